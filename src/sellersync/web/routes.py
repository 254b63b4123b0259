"""Dashboard pages: ``GET /``, ``GET /claims`` and ``GET /claims/{id}`` (signed in), ``GET /login``.

The pages carry no data of their own: the dashboard's script reads everything from the API with the
session cookie (``/api/sync/*``, ``/api/amazon/*``, ``/api/claims``), so every number on screen is one
the API computed from the store. Scripts and styles are files under ``/static`` (a strict
Content-Security-Policy forbids inline code and other origins).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from swagger_ui_bundle import swagger_ui_path

from sellersync import __version__
from sellersync.accounts.service import user_view
from sellersync.api.deps import Caller, RuntimeDep, caller_of
from sellersync.api.errors import ApiError

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

REGION_LABELS = {
    "NA": "North America (US, CA, MX, BR)",
    "EU": "Europe, Middle East, India (UK, DE, FR, IT, ES, …)",
    "FE": "Far East (JP, AU, SG)",
}
SYNC_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
CLAIM_ID = re.compile(r"^[0-9]{1,10}$")
NEXT_PAGE = re.compile(r"^/claims(/[0-9]{1,10})?$")
HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def mount_static(app: FastAPI) -> None:
    """Serve ``web/static`` under ``/static`` and Swagger UI's files (from the installed
    ``swagger-ui-bundle-v2`` package, never a CDN) under ``/docs-assets``."""
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


@router.get("/docs", response_class=HTMLResponse)
def api_docs() -> Response:
    """The OpenAPI page (Swagger UI); every file it loads comes from this server, so it works offline."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="sellersync API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon-32x32.png",
    )


def _session_caller(request: Request, runtime: RuntimeDep) -> Caller | None:
    """The signed-in browser user, or None (a page is only for a session, never for a token)."""
    try:
        caller = caller_of(request, runtime)
    except ApiError:
        return None
    if caller is None or caller.via != "session":
        return None
    return caller


def _sync_id(value: str | None) -> str | None:
    return value if value and SYNC_ID.match(value) else None


def _page_context(runtime: RuntimeDep, caller: Caller) -> dict[str, object]:
    with runtime.uow() as s:
        who = user_view(s, caller.user_id, caller.workspace_id, caller.role, caller.via)
    return {
        "version": __version__,
        "email": (who["user"] or {}).get("email", ""),
        "workspace": who["workspace"]["name"],
        "role": caller.role,
        "can_write": caller.can_write,
        "regions": [(code, REGION_LABELS.get(code, code)) for code in runtime.settings.region_list()],
        "default_region": runtime.settings.amazon_region.upper(),
    }


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    runtime: RuntimeDep,
    sync_id: Annotated[str | None, Query(alias="syncId", max_length=64)] = None,
) -> Response:
    """The dashboard; without a session, a redirect to the sign-in page (keeping ``?syncId=``)."""
    caller = _session_caller(request, runtime)
    wanted = _sync_id(sync_id)
    if caller is None:
        target = f"/login?syncId={wanted}" if wanted else "/login"
        return RedirectResponse(target, status_code=303, headers={"cache-control": "no-store"})
    return templates.TemplateResponse(
        request, "dashboard.html", _page_context(runtime, caller), headers=HEADERS
    )


def _claims_page(request: Request, runtime: RuntimeDep, path: str) -> Response:
    caller = _session_caller(request, runtime)
    if caller is None:
        return RedirectResponse(f"/login?next={path}", status_code=303, headers={"cache-control": "no-store"})
    return templates.TemplateResponse(request, "claims.html", _page_context(runtime, caller), headers=HEADERS)


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, runtime: RuntimeDep) -> Response:
    """The claims page (list, filters, totals, charts, cost entry); its script reads ``/api/claims*``."""
    return _claims_page(request, runtime, "/claims")


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(claim_id: str, request: Request, runtime: RuntimeDep) -> Response:
    """A deep link to one claim: the claims page opened on that claim's detail."""
    wanted = claim_id if CLAIM_ID.match(claim_id) else None
    return _claims_page(request, runtime, f"/claims/{wanted}" if wanted else "/claims")


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    runtime: RuntimeDep,
    sync_id: Annotated[str | None, Query(alias="syncId", max_length=64)] = None,
    next_page: Annotated[str | None, Query(alias="next", max_length=64)] = None,
) -> Response:
    """The sign-in form (it posts to ``POST /api/auth/login``); a signed-in browser goes to ``/``
    (or to ``?next=``, which may only name a page of ours: ``/claims`` or ``/claims/{id}``)."""
    wanted = _sync_id(sync_id)
    if _session_caller(request, runtime) is not None:
        if next_page and NEXT_PAGE.match(next_page):
            return RedirectResponse(next_page, status_code=303)
        return RedirectResponse(f"/?syncId={wanted}" if wanted else "/", status_code=303)
    return templates.TemplateResponse(request, "login.html", {"version": __version__}, headers=HEADERS)
