"""The digest as an e-mail: a subject, a plain-text body and an HTML body, from the composed dict."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

TITLES = {
    "newClaims": "New claims",
    "closingSoon": "Claim windows closing within {days} days",
    "reimbursements": "Reimbursements received",
    "reimbursedClaims": "Claims reimbursed",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def money(totals: dict[str, str]) -> str:
    return ", ".join(f"{amount} {cur}" for cur, amount in totals.items()) or "none"


def subject(d: dict[str, Any]) -> str:
    parts = [
        _plural(d["newClaims"]["count"], "new claim"),
        _plural(d["closingSoon"]["count"], "deadline") + f" within {d['closingSoon']['days']} days",
        _plural(d["reimbursements"]["count"], "reimbursement"),
    ]
    return f"sellersync {d['day']} · {d['workspace']['name']}: " + ", ".join(parts)


def title(d: dict[str, Any], section: str) -> str:
    return TITLES[section].format(**d[section])


def claim_line(c: dict[str, Any]) -> str:
    value = f"{c['amount']} {c['currency']}" if c["amount"] is not None else "value unknown"
    deadline = f"file by {c['deadline']} ({c['daysLeft']} days left)" if c["deadline"] else "no deadline"
    return (
        f"{c['type']} · SKU {c['sku'] or '-'} · FNSKU {c['fnsku'] or '-'} · {_plural(c['quantity'], 'unit')}"
        f" · {value} · {deadline}"
    )


def reimbursement_line(r: dict[str, Any]) -> str:
    case = f" · case {r['caseId']}" if r["caseId"] else ""
    return (
        f"{r['approvalDate']} · {r['reason'] or 'reimbursement'} · SKU {r['sku'] or '-'} · "
        f"{_plural(r['quantity'], 'unit')} · {r['amount']} {r['currency']} · id {r['reimbursementId']}{case}"
    )


def _more(section: dict[str, Any]) -> int:
    return int(section["count"]) - len(section["items"])


def text(d: dict[str, Any]) -> str:
    lines = [
        f"sellersync digest for {d['workspace']['name']}, {d['day']}",
        f"(changes since {d['periodStart'][:16].replace('T', ' ')} UTC)",
        "",
    ]
    for name in TITLES:
        sec = d[name]
        label = "recoverable (not expired)" if name == "newClaims" else "total"
        lines.append(f"{title(d, name)}: {sec['count']} · {label}: {money(sec['totals'])}")
        for item in sec["items"]:
            if name == "reimbursements":
                lines.append(f"  - {reimbursement_line(item)}")
            else:
                lines.append(f"  - {claim_line(item)}")
                lines.append(f"    {item['url']}")
        if _more(sec) > 0:
            lines.append(f"  … and {_more(sec)} more: {d['claimsUrl']}")
        lines.append("")
    lines.append(f"All claims: {d['claimsUrl']}")
    return "\n".join(lines) + "\n"


_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html><body style="font-family: sans-serif">
<h2>sellersync digest for {{ d.workspace.name }}, {{ d.day }}</h2>
<p>Changes since {{ d.periodStart[:16].replace("T", " ") }} UTC.</p>
{% for name in sections %}{% set sec = d[name] %}
<h3>{{ title(d, name) }}: {{ sec.count }}</h3>
<p>{{ "Recoverable (not expired)" if name == "newClaims" else "Total" }}: {{ money(sec.totals) }}</p>
{% if sec["items"] %}<ul>
{% for item in sec["items"] %}{% if name == "reimbursements" %}<li>{{ reimbursement_line(item) }}</li>
{% else %}<li><a href="{{ item.url }}">{{ claim_line(item) }}</a></li>
{% endif %}{% endfor %}</ul>{% endif %}
{% if sec.count > sec["items"]|length %}
<p><a href="{{ d.claimsUrl }}">… and {{ sec.count - sec["items"]|length }} more</a></p>{% endif %}
{% endfor %}
<p><a href="{{ d.claimsUrl }}">All claims</a></p>
</body></html>
"""
)


def html(d: dict[str, Any]) -> str:
    return _HTML.render(
        d=d,
        sections=list(TITLES),
        title=title,
        money=money,
        claim_line=claim_line,
        reimbursement_line=reimbursement_line,
    )
