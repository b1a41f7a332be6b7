"""What a run added: new stories, new copies, new outlets, new or strengthened outlet edges.

The morning report of a nightly crawl. "New" means first stored at or after ``since``
(by default the start of the latest crawl run), so the report can be rebuilt at any
time from the database alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graph.build import build_article_graph, build_outlet_graph, stories
from graph.records import ArticleRecord, CopyEdge

__all__ = ["changes_since", "render_markdown"]


def changes_since(
    records: list[ArticleRecord], edges: list[CopyEdge], since: datetime, new_outlets: list[str]
) -> dict[str, Any]:
    """Everything the database gained since ``since``, as JSON-ready data."""
    new = {r.url for r in records if r.first_seen is not None and r.first_seen >= since}
    old_records = [r for r in records if r.url not in new]
    old_edges = [e for e in edges if e.copy_url not in new and e.source_url not in new]
    after = build_article_graph(records, edges)
    before_outlets = build_outlet_graph(build_article_graph(old_records, old_edges))
    after_outlets = build_outlet_graph(after)

    new_copies = [
        {"copy": e.copy_url, "source": e.source_url, "kind": e.kind,
         "similarity": round(e.similarity, 3), "confidence": round(e.confidence, 3),
         "credited": e.credited, "evidence": list(e.evidence)}
        for e in edges if e.copy_url in new
    ]  # fmt: skip
    new_stories = [
        {"root": st.root, "size": st.size, "outlets": sorted(st.outlets)}
        for st in stories(after)
        if st.root in new and st.size > 1
    ]
    edges_out = []
    for u, v, d in after_outlets.edges(data=True):
        before = before_outlets.get_edge_data(u, v)
        if before is None or d["weight"] > before["weight"]:
            edges_out.append({
                "copier": u, "source": v, "weight": d["weight"],
                "was": before["weight"] if before else 0,
                "status": "new" if before is None else "strengthened",
                "credited": d.get("credited", 0), "uncredited": d.get("uncredited", 0),
            })  # fmt: skip
    return {
        "since": since.isoformat(),
        "new_articles": len(new),
        "new_stories": sorted(new_stories, key=lambda s: -s["size"]),
        "new_copies": new_copies,
        "new_outlets": list(new_outlets),
        "outlet_edges": sorted(edges_out, key=lambda e: (-e["weight"], e["copier"])),
    }


def render_markdown(report: dict[str, Any]) -> str:
    """The report for people: headings and lists, pasteable into a lab notebook."""
    lines = [f"# Changes since {report['since']}", "",
             f"{report['new_articles']} new articles, {len(report['new_copies'])} new copies, "
             f"{len(report['new_stories'])} new stories, {len(report['new_outlets'])} new outlets.",
             "", "## New stories", ""]  # fmt: skip
    lines += [f"- {s['root']} ({s['size']} articles, {len(s['outlets'])} outlets)"
              for s in report["new_stories"]] or ["- none"]  # fmt: skip
    lines += ["", "## New copies", ""]
    lines += [f"- {c['copy']} copies {c['source']} ({c['kind']}, similarity {c['similarity']}, "
              f"confidence {c['confidence']}, {'credited' if c['credited'] else 'uncredited'})"
              for c in report["new_copies"]] or ["- none"]  # fmt: skip
    lines += ["", "## New outlets", ""]
    lines += [f"- {o}" for o in report["new_outlets"]] or ["- none"]
    lines += ["", "## New or strengthened outlet edges (copier -> source)", ""]
    lines += [f"- {e['copier']} -> {e['source']}: {e['was']} -> {e['weight']} ({e['status']})"
              for e in report["outlet_edges"]] or ["- none"]  # fmt: skip
    return "\n".join(lines)
