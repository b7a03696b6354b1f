"""page.py - a page's DOM as the report and dashboard tests read it (their
python parts import it): each SVG plot's elements by data-plot, each table
number by data-key, <body>'s attributes, the last <svg>'s attributes, the
rows of a class, and the text of <pre id="last-event">."""
import html.parser


class Page(html.parser.HTMLParser):
    def __init__(self, path, row_class=None):
        super().__init__()
        self.svg = {}           # data-plot -> [(tag, attrs)] of polyline, circle, rect, polygon
        self.cells = {}         # data-key -> text
        self.body = {}          # <body>'s attributes
        self.last_svg = {}      # the last <svg>'s attributes
        self.rows = 0           # <tr class=row_class>
        self.last_event = ""    # <pre id="last-event">
        self._plot = self._key = None
        self._pre = False
        self._row_class = row_class
        with open(path) as f:
            self.feed(f.read())

    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "body":
            self.body = a
        elif tag == "svg":
            self.last_svg = a
            if "data-plot" in a:
                self._plot = a["data-plot"]
                self.svg[self._plot] = []
        elif self._plot and tag in ("polyline", "circle", "rect", "polygon"):
            self.svg[self._plot].append((tag, a))
        elif tag == "td" and "data-key" in a:
            self._key = a["data-key"]
            self.cells[self._key] = ""
        elif tag == "tr" and self._row_class and a.get("class") == self._row_class:
            self.rows += 1
        elif tag == "pre" and a.get("id") == "last-event":
            self._pre = True

    def handle_endtag(self, tag):
        if tag == "svg":
            self._plot = None
        elif tag == "td":
            self._key = None
        elif tag == "pre":
            self._pre = False

    def handle_data(self, d):
        if self._key:
            self.cells[self._key] += d
        if self._pre:
            self.last_event += d
