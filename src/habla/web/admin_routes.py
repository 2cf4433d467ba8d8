"""/admin: the operator dashboard. Routes only translate HTTP: figures in habla.storage.operator_figures, login in
habla.web.auth, dead letters in habla.web.dead_letters.

Every POST carries a CSRF token (the login form a double-submit cookie, the rest the session's HMAC); a
request without it is refused with 403 before anything happens. Learners are shown by hashed id; a phone
number appears only when the operator asks for one learner (a POST, so it is never in a link or a log).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from habla.domain.figures import STAGE_LABELS, STAGES, Figures
from habla.domain.learner import BLOCKED_KEY
from habla.domain.messages import hashed
from habla.web import charts, dead_letters
from habla.web.auth import LOGIN_COOKIE, SESSION_COOKIE, AdminAuth
from habla.web.figures import compute
from habla.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter()
MAX_FORM_BYTES = 16 * 1024
FAILED_LOGIN_DELAY_S = 0.5


def _auth(request: Request) -> AdminAuth:
    auth = getattr(request.app.state, "admin_auth", None)
    if auth is None:
        auth = request.app.state.admin_auth = AdminAuth(request.app.state.services.settings.admin)
    return auth


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}


def _set_cookie(response: Response, auth: AdminAuth, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, secure=auth.secure_cookie, samesite="strict", path="/admin"
    )


def _not_configured() -> Response:
    return render("admin_off.html", status_code=503)


@router.get("/admin/login")
async def login_page(request: Request) -> Response:
    auth = _auth(request)
    if not auth.configured:
        return _not_configured()
    token = secrets.token_urlsafe(24)
    response = render("login.html", csrf=token, error=None)
    _set_cookie(response, auth, LOGIN_COOKIE, token, 3600)
    return response


@router.post("/admin/login")
async def login(request: Request) -> Response:
    auth = _auth(request)
    if not auth.configured:
        return _not_configured()
    form = await _form(request)
    cookie = request.cookies.get(LOGIN_COOKIE)
    if not cookie or not secrets.compare_digest(cookie, form.get("csrf", "")):
        log.warning("admin login refused: missing or wrong CSRF token")
        return render("refused.html", status_code=403, reason="The form's security token is missing or wrong.")
    if not auth.check_password(form.get("password", "")):
        log.warning("admin login refused: wrong password")
        await asyncio.sleep(FAILED_LOGIN_DELAY_S)  # slows guessing down; a long random token is the real defence
        token = secrets.token_urlsafe(24)
        response = render("login.html", status_code=401, csrf=token, error="Wrong password.")
        _set_cookie(response, auth, LOGIN_COOKIE, token, 3600)
        return response
    log.info("admin login")
    response = RedirectResponse("/admin", status_code=303)
    _set_cookie(response, auth, SESSION_COOKIE, auth.new_session(), auth.max_age_s)
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


def _session(request: Request) -> str | None:
    return _auth(request).session_nonce(request.cookies.get(SESSION_COOKIE))


async def _action(request: Request) -> tuple[str | None, dict[str, str], Response | None]:
    """(session nonce, form, refusal): a POST needs a session and the session's CSRF token."""
    auth = _auth(request)
    if not auth.configured:
        return None, {}, _not_configured()
    nonce = _session(request)
    if nonce is None:
        return None, {}, RedirectResponse("/admin/login", status_code=303)
    form = await _form(request)
    if not auth.csrf_ok(nonce, form.get("csrf")):
        log.warning("admin action refused: missing or wrong CSRF token path=%s", request.url.path)
        return None, {}, render("refused.html", status_code=403, reason="The form's security token is missing or wrong.")
    return nonce, form, None


def _back(notice: str) -> RedirectResponse:
    return RedirectResponse(f"/admin?notice={quote(notice)}", status_code=303)


@router.get("/admin")
async def dashboard(request: Request) -> Response:
    auth = _auth(request)
    if not auth.configured:
        return _not_configured()
    nonce = _session(request)
    if nonce is None:
        return RedirectResponse("/admin/login", status_code=303)
    services = request.app.state.services
    figures = await compute(services)
    letters = await dead_letters.dead_letter_lines(services)
    return render(
        "dashboard.html", figures=figures, letters=letters, csrf=auth.csrf_for(nonce), charts=_charts(figures),
        stage_labels=STAGE_LABELS, notice=request.query_params.get("notice", "")[:200],
    )


def _charts(figures: Figures) -> dict[str, Markup]:
    labels = [time.strftime("%H:00", time.gmtime(hour)) for hour in figures.hours]
    return {
        "messages": Markup(charts.bar_chart("Learner messages answered per hour (UTC)", figures.messages_per_hour, labels)),
        **{
            f"speed_{q}": Markup(
                charts.line_chart(
                    f"{q} per hour (ms)",
                    {s: getattr(figures, f"stage_{q}_per_hour")[s] for s in STAGES if figures.stages[s].count},
                    labels, " ms",
                )
            )
            for q in ("p50", "p95")
        },
        "tokens": Markup(
            charts.bar_chart(
                "LLM tokens per tier, last 30 days", [t.tokens_in + t.tokens_out for t in figures.tiers],
                [t.tier for t in figures.tiers],
            )
        ),
    }


@router.post("/admin/logout")
async def logout(request: Request) -> Response:
    _, _, refusal = await _action(request)
    if refusal is not None:
        return refusal
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response


@router.post("/admin/dead-letters/replay")
async def replay_dead_letter(request: Request) -> Response:
    _, form, refusal = await _action(request)
    if refusal is not None:
        return refusal
    done = await dead_letters.replay(request.app.state.services, form.get("topic", ""), form.get("id", ""))
    return _back("Dead letter replayed." if done else "That dead letter is gone (already replayed?).")


async def _set_blocked(request: Request, blocked: bool) -> Response:
    _, form, refusal = await _action(request)
    if refusal is not None:
        return refusal
    services = request.app.state.services
    learner_id = form.get("learner_id", "")
    if await services.store.learner_by_id(learner_id) is None:
        return _back("No such learner.")
    value = {"at": time.time()} if blocked else None
    await services.store.update_profile_key(learner_id, BLOCKED_KEY, lambda _old: value)
    log.info("admin %s learner=%s", "blocked" if blocked else "unblocked", hashed(learner_id))
    return _back(f"Learner {hashed(learner_id)} {'blocked' if blocked else 'unblocked'}.")


@router.post("/admin/learners/block")
async def block(request: Request) -> Response:
    return await _set_blocked(request, True)


@router.post("/admin/learners/unblock")
async def unblock(request: Request) -> Response:
    return await _set_blocked(request, False)


@router.post("/admin/learners/reveal")
async def reveal(request: Request) -> Response:
    """One learner's address, because the operator asked for exactly that learner."""
    nonce, form, refusal = await _action(request)
    if refusal is not None:
        return refusal
    services = request.app.state.services
    learner = await services.store.learner_by_id(form.get("learner_id", ""))
    if learner is None:
        return _back("No such learner.")
    log.info("admin revealed the address of learner=%s", hashed(learner.id))
    return render(
        "learner.html", hashed_id=hashed(learner.id), channel=learner.channel, address=learner.address,
        csrf=_auth(request).csrf_for(nonce), headers={"Cache-Control": "no-store"},
    )
