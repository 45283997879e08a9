"""visible_text keeps offsets and hides what a reader does not see."""
from monitor.markup import visible_text
from monitor.extract.gazetteer import Gazetteer


def test_same_length_and_hidden_parts():
    raw = ("---\ntitle: x\n---\n-   See [the order](http://a.b/c) **now** &amp; <b>then</b>"
           "<!-- c -->\n<script>var x=1;</script>![img](i.png)")
    vis = visible_text(raw, "markdown")
    assert len(vis) == len(raw)
    assert vis.count("\n") == raw.count("\n")
    assert "title" not in vis and "http" not in vis and "**" not in vis and "<b>" not in vis
    assert "var x" not in vis and "img" not in vis and "-   See" not in vis
    assert "See  the order" in vis and "& " in vis


def test_html_cells_become_pipes():
    raw = "<table><tr><td>Kazakhstan</td><td>25%</td></tr></table>"
    vis = visible_text(raw, "html")
    assert len(vis) == len(raw) and "|" in vis and "Kazakhstan" in vis


def test_plain_text_is_unchanged():
    assert visible_text("a **b** <c>", "text") == "a **b** <c>"


def test_gazetteer_user_entities_and_aliases():
    g = Gazetteer.load(extra_entities=["Acme Corp"], aliases={"Hellas": "Greece", "ZZland": "Kazakhstan"})
    assert g.lookup("Hellas").code == "GR"
    names = [m.entity.name for m in g.mentions("Acme Corp and ZZland and the Kazakh side")]
    assert names == ["Acme Corp", "Kazakhstan", "Kazakhstan"]
