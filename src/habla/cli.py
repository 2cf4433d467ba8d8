"""The `habla` command: serve, worker, chat, migrate, doctor, model, admin."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import signal
import sys

import typer

app = typer.Typer(help="Habla: an AI language tutor that lives in WhatsApp.", no_args_is_help=True, add_completion=False)
model_app = typer.Typer(help="Local LLM models (GGUF files run in-process by llama.cpp).", no_args_is_help=True)
app.add_typer(model_app, name="model")
log = logging.getLogger("habla.cli")


def _settings(log_level: str | None = None):
    from pydantic import ValidationError

    from habla.config import Settings
    from habla.errors import ConfigurationError
    from habla.logs import setup_logging

    try:
        settings = Settings()
    except (ConfigurationError, ValidationError) as exc:  # a setting to fix: say which, in one line
        typer.echo(f"habla: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(1) from None
    setup_logging(log_level or settings.log_level)
    return settings


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    agents: str = typer.Option("all", help="Agents to run in this process: all, none, or a comma list."),
) -> None:
    """Run the HTTP API (webhooks, /healthz) and the agents in one process."""
    import uvicorn

    from habla.agents.registry import parse_agents
    from habla.api.app import create_app
    from habla.channels.simulator import exposure_problem
    from habla.errors import ConfigurationError
    from habla.web.simulator_page import point_callback_here

    settings = _settings()
    point_callback_here(settings, host, port)  # the simulator page's replies come back to this server
    problem = exposure_problem(settings.environment, settings.simulator.enabled, settings.simulator.token is not None, host)
    if problem:
        typer.echo(f"habla serve: {problem}", err=True)
        raise typer.Exit(1)
    try:
        app_ = create_app(settings, parse_agents(agents))
    except ConfigurationError as exc:
        typer.echo(f"habla serve: {exc}", err=True)
        raise typer.Exit(1) from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"Habla on http://{shown}:{port}")
    if settings.simulator_page:
        typer.echo(f"  learner simulator: http://{shown}:{port}/simulator")
    typer.echo(f"  operator dashboard: http://{shown}:{port}/admin" + ("" if settings.admin.secret_set else " (set HABLA_ADMIN__TOKEN to sign in)"))
    uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)


@app.command()
def worker(agents: str = typer.Option("all", help="Agents to run: all, or a comma list (conversation,sender).")) -> None:
    """Run agents only, consuming the bus; start several to scale out on Redis."""
    from habla.agents.registry import parse_agents
    from habla.runtime import running

    settings = _settings()
    names = parse_agents(agents)

    async def main() -> bool:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with running(settings, names) as runtime:
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait([stopping, asyncio.create_task(runtime.wait())], return_when=asyncio.FIRST_COMPLETED)
            healthy = stopping.done()  # not stopped by a signal: the consumers died
        log.info("worker stopped")
        return healthy

    raise typer.Exit(0 if asyncio.run(main()) else 1)


@app.command()
def chat(
    name: str = typer.Option(None, help="Who you are to the tutor (your learner address); default: your user name."),
    agents: str = typer.Option("all", help="Agents to run here; 'none' to rely on running workers."),
    timeout: float = typer.Option(180.0, help="Seconds to wait for each reply."),
    verbose: bool = typer.Option(False, help="Log to stderr at INFO."),
) -> None:
    """Chat with the tutor in the terminal: each line you type (or pipe in) is a message."""
    from habla.agents.registry import parse_agents
    from habla.chat import run_chat

    settings = _settings(None if verbose else "WARNING")

    def write(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    from habla.errors import ConfigurationError

    try:
        unanswered = asyncio.run(
            run_chat(
                settings,
                name or _default_name(),
                parse_agents(agents),
                sys.stdin.buffer,
                write,
                timeout,
                interactive=sys.stdin.isatty(),
            )
        )
    except ConfigurationError as exc:  # e.g. a local model path that is not there: one line, not a traceback
        typer.echo(f"habla: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(1 if unanswered else 0)


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest version (SQLite is also migrated on start)."""
    from habla.storage.database import head_revision, migrate as upgrade

    settings = _settings()
    try:
        asyncio.run(upgrade(settings.database_url))
    except Exception as exc:  # an operator's problem (unreachable, refused, no rights): one line, not a traceback
        typer.echo(f"habla migrate: {_one_line(exc)}; check HABLA_DATABASE_URL", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"database at revision {head_revision()}")


@app.command()
def doctor() -> None:
    """Check the database, the bus and the LLM endpoints, and say what to set."""
    from habla.doctor import run_checks

    settings = _settings("WARNING")
    checks = asyncio.run(run_checks(settings))
    for check in checks:
        mark = "ok  " if check.ok else ("FAIL" if check.required else "warn")
        typer.echo(f"[{mark}] {check.name:10} {check.detail}")
    raise typer.Exit(0 if all(check.ok or not check.required for check in checks) else 1)


@model_app.command("pull")
def model_pull(name: str = typer.Argument(None, help="A recommended model (see `habla model list`); default: the first.")) -> None:
    """Download a recommended instruct GGUF into the models folder, with a progress bar and a checksum."""
    from habla.llm.pull import PullError, pick, pull

    settings = _settings("WARNING")
    try:
        model = pick(name)
        typer.echo(f"pulling {model.name}: {model.repo}/{model.filename} (~{model.size_gb} GB, needs ~{model.ram_gb} GB RAM)", err=True)
        path = pull(model, settings.llm.local)
    except PullError as exc:
        typer.echo(f"habla: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"saved {path}; with no LLM tier set, habla chat and habla serve now use it "
               f"(or set HABLA_LLM__FAST__PROVIDER=local HABLA_LLM__FAST__MODEL={model.name})")


@model_app.command("list")
def model_list() -> None:
    """The recommended models, their size and RAM needs, and which are downloaded."""
    from habla.llm.local_models import RECOMMENDED, models_dir

    settings = _settings("WARNING")
    folder = models_dir(settings.llm.local)
    for model in RECOMMENDED:
        mark = "pulled" if (folder / model.filename).is_file() else "      "
        typer.echo(f"{mark} {model.name:13} {model.size_gb:4.1f} GB file, ~{model.ram_gb:3.1f} GB RAM  {model.note}")
    typer.echo(f"models folder: {folder}")


def _one_line(exc: BaseException) -> str:
    """The innermost cause's message, first line: drivers wrap the useful part in several layers."""
    while exc.__cause__ is not None and str(exc.__cause__):
        exc = exc.__cause__
    text = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@app.command("admin-password")
def admin_password() -> None:
    """Print a password hash for HABLA_ADMIN__PASSWORD_HASH (reads the password from the terminal or stdin)."""
    from habla.web.auth import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("dashboard password: ")
        if password != getpass.getpass("again: "):
            typer.echo("habla admin-password: the two passwords differ", err=True)
            raise typer.Exit(2)
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        typer.echo("habla admin-password: use at least 10 characters", err=True)
        raise typer.Exit(2)
    typer.echo(f"HABLA_ADMIN__PASSWORD_HASH='{hash_password(password)}'")


admin_app = typer.Typer(help="Operator tools: the blocklist.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


def _admin(run) -> list[str]:
    """Run an admin coroutine; any failure is one line on stderr and exit code 1, never a traceback."""
    from habla.errors import HablaError

    try:
        settings = _settings("WARNING")
        result = asyncio.run(run(settings))
    except (HablaError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    return result if isinstance(result, list) else [result]


@admin_app.command("block")
def admin_block(address: str = typer.Argument(..., help="The learner's address, e.g. +34600000000.")) -> None:
    """Block an address: its messages are dropped before any work (no reply, no model)."""
    from habla.billing import admin

    for line in _admin(lambda settings: admin.block(settings, address)):
        typer.echo(line)


@admin_app.command("unblock")
def admin_unblock(address: str = typer.Argument(..., help="The address to let through again.")) -> None:
    """Lift a block."""
    from habla.billing import admin

    for line in _admin(lambda settings: admin.unblock(settings, address)):
        typer.echo(line)


@admin_app.command("list")
def admin_list() -> None:
    """List blocked addresses."""
    from habla.billing import admin

    for line in _admin(admin.listing):
        typer.echo(line)


def _default_name() -> str:
    with contextlib.suppress(Exception):
        return getpass.getuser()
    return "learner"


if __name__ == "__main__":
    app()
