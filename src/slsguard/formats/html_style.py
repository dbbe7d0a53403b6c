"""The inline stylesheet of the HTML report: system fonts only, light and print friendly."""

from __future__ import annotations

_SEVERITIES = {
    "critical": "#8b0000",
    "high": "#d9480f",
    "medium": "#e0a800",
    "low": "#1c7ed6",
    "info": "#868e96",
}

_BASE = """
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1f2328;
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#1f2a44;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:26px}
header .meta{margin:4px 0 0;opacity:.8}
main{max-width:1200px;margin:0 auto;padding:8px 32px 32px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin:16px 0}
h2{margin:0 0 12px;font-size:20px}
h3{font-size:16px;margin:16px 0 8px}
h3 small{font-weight:normal;color:#57606a}
h4{margin:0 0 6px;font-size:15px}
.lead{font-size:16px;margin:0 0 12px}
.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{flex:1;min-width:120px;border-radius:8px;padding:10px 14px;color:#fff}
.tile .n{display:block;font-size:28px;font-weight:700}
.tile .l{text-transform:uppercase;font-size:12px;letter-spacing:.06em}
.split{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
.chart{max-width:100%;height:auto;font-size:13px;fill:#1f2328}
table{border-collapse:collapse;font-size:14px;flex:1 1 440px}
th,td{border-bottom:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.sev{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px;
font-weight:700;text-transform:uppercase;letter-spacing:.04em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card{border:1px solid #d0d7de;border-left:6px solid #2da44e;border-radius:6px;padding:10px 12px}
.card dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:0 0 8px;
font-size:13px}
.card dt{color:#57606a}
.card dd{margin:0;overflow-wrap:anywhere}
.card ul{margin:0;padding-left:18px}
.links{list-style:none;padding:0!important;margin:0;font-size:13px}
.flag{background:#8b0000;color:#fff;border-radius:4px;padding:0 4px;font-size:11px}
.finding{border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;padding:10px 14px;
margin:10px 0}
.finding h3{margin:0 0 4px}
.where{margin:0;color:#57606a;font-size:13px;overflow-wrap:anywhere}
.message{margin:6px 0;white-space:pre-wrap;overflow-wrap:anywhere}
pre.fix{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;
white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 6px;font-size:13px}
.maps{display:grid;grid-template-columns:max-content 1fr;gap:0 10px;font-size:12px;
color:#57606a;margin:4px 0 0}
.maps dd{margin:0}
.none{color:#57606a}
a{color:#0969da}
footer{max-width:1200px;margin:0 auto;padding:0 32px 24px;color:#57606a;font-size:13px}
@media print{body{background:#fff}section{break-inside:avoid-page}}
"""


def _severity_rules() -> str:
    lines = []
    for name, color in _SEVERITIES.items():
        lines.append(f".sev-{name}{{background:{color}}}")
        lines.append(f".sev-border-{name},.card.worst-{name}{{border-left-color:{color}}}")
    return "\n".join(lines) + "\n"


STYLE = _BASE + _severity_rules()
"""The whole stylesheet, placed in the page's `<style>` element."""
