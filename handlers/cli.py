"""The ``dailies`` command: ``serve`` runs the bot, ``draft`` runs the same engine without Slack.

Errors go to stderr with exit status 2 and nothing is written; progress goes to stderr too, so
stdout carries only the paths of the files made. Everything past argparse and the settings is
imported where a command needs it (torch and diffusers take seconds to import), so ``--help``
and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from bot import logs
from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.jobs.rows import Job
    from bot.runtime import Runtime


class CliError(Exception):
    """A message for stderr."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dailies", description="Generative drafts, review and finals in Slack threads."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "workers", help="the Ray generation workers of a running bot (DAILIES_ENGINE=ray)"
    )
    serve = commands.add_parser(
        "serve",
        help="run the Slack bot (without Slack tokens: the local playground)",
        description="With SLACK_BOT_TOKEN and SLACK_APP_TOKEN: the bot in Socket Mode (--http: "
        "Slack's HTTP requests). Without Slack tokens, or with --playground: a local Slack-like "
        "page at the printed URL, driving the same bot.",
    )
    serve.add_argument(
        "--http", action="store_true", help="serve Slack's HTTP requests instead of Socket Mode"
    )
    serve.add_argument(
        "--playground",
        action="store_true",
        help="run the local playground even when Slack tokens are set",
    )
    serve.add_argument(
        "--host", default=None, help="address to listen on (playground 127.0.0.1, --http 0.0.0.0)"
    )
    serve.add_argument("--port", type=int, default=3000)
    draft = commands.add_parser("draft", help="make draft variants without Slack")
    draft.add_argument("prompt")
    draft.add_argument("--n", type=str, default=None, help="variants, 1–8")
    draft.add_argument("--ar", default=None, help="aspect ratio W:H")
    draft.add_argument("--seed", default=None)
    draft.add_argument("--no", default=None, help="negative prompt")
    draft.add_argument("--steps", default=None)
    draft.add_argument("--tier", choices=["draft", "final"], default="draft")
    draft.add_argument(
        "--out", type=Path, required=True, help="folder for the PNGs and contact sheet"
    )
    history = commands.add_parser(
        "history",
        help="print a thread's lineage: prompt → iterations → finals",
        description="Name the thread by --channel and --thread, by a Slack link to it, or by "
        "its timestamp alone when only one channel has a thread there.",
    )
    history.add_argument("link", nargs="?", help="a Slack link to the thread, or its ts")
    history.add_argument("--channel", help="channel id, e.g. C0123ABCD")
    history.add_argument("--thread", help="the thread's ts (its root message), e.g. 1732271234.1")
    pack = commands.add_parser("export", help="write a thread's or a tag's package (a zip)")
    pack.add_argument("--thread", help="a Slack link to the thread, or its ts")
    pack.add_argument("--channel", help="channel id, when the ts alone is ambiguous")
    pack.add_argument("--tag", help="every asset with this tag instead of a thread")
    pack.add_argument("--out", type=Path, required=True, help="the zip file to write")
    stats = commands.add_parser("stats", help="useful yield and cost per usable asset")
    stats.add_argument("--channel", help="a channel id, or all (default: every channel)")
    stats.add_argument("--since", default="7d", help="7d, 30d… or a date YYYY-MM-DD")
    stats.add_argument("--by", help="split by user, recipe, anchor, model or tier")
    stats.add_argument("--png", type=Path, help="write the chart here")
    stats.add_argument("--csv", type=Path, help="write the figures here as CSV")
    return parser


def run_workers(settings: Settings) -> str:
    """The pool as the cluster sees it; the embedded engine's workers live inside the bot."""
    if settings.engine != "ray":
        raise CliError(
            "DAILIES_ENGINE is embedded: the workers are threads inside `dailies serve`; "
            "set DAILIES_ENGINE=ray (and DAILIES_RAY_ADDRESS) to list a Ray pool"
        )
    from bot.jobs.ray_status import connect_for_status, pool_workers, workers_table

    try:
        connect_for_status(settings.ray_address)
    except ConnectionError as exc:
        where = settings.ray_address or "auto"
        raise CliError(f"cannot reach the Ray cluster at {where}: {exc}") from None
    return workers_table(pool_workers())


def run_history(
    settings: Settings, link: str | None, channel: str | None, thread: str | None
) -> str:
    """The lineage tree of one thread, read from the bot's database (nothing is written)."""
    from bot.library.history import history_text, resolve_thread
    from bot.store.database import Store

    if link and thread:
        raise CliError("give the thread once: a link/ts or --thread, not both")
    named = link or thread
    if not named:
        raise CliError("name a thread: --channel C… --thread TS, a Slack link, or a thread ts")
    if not settings.db_path.exists():
        raise CliError(f"no dailies database at {settings.db_path} (is DAILIES_HOME right?)")
    store = Store(settings.db_path)
    found_channel, ts = resolve_thread(store, named, channel)
    return history_text(store, found_channel, ts)


def _flags_text(args: argparse.Namespace) -> str:
    text = args.prompt
    for flag in ("n", "ar", "seed", "no", "steps"):
        value = getattr(args, flag)
        if value is not None:
            text += f" --{flag} {value}"
    return text


def check_output_folder(out: Path) -> None:
    """Refuse an unusable --out before any rendering, not after it."""
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                raise CliError(f"--out {out}: {folder} is a file, not a folder")
            if not os.access(folder, os.W_OK):
                raise CliError(f"--out {out}: {folder} is not writable")
            return


def check_home(home: Path) -> None:
    """A read-only or unusable DAILIES_HOME is refused in one line before anything starts."""
    for folder in (home, *home.parents):
        if folder.exists():
            if not folder.is_dir():
                raise CliError(f"DAILIES_HOME {home}: {folder} is a file, not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise CliError(f"DAILIES_HOME {home}: {folder} is not writable")
            return


def run_draft(
    runtime: Runtime, text: str, tier: str, out: Path, stderr: Any = sys.stderr
) -> list[Path]:
    """Queue a draft through the engine, wait for it, write PNGs + contact sheet into ``out``."""
    from bot.jobs import rows as jobs
    from bot.jobs.draft_options import parse_draft_text
    from bot.jobs.events import JobHooks
    from bot.jobs.model_choice import lora_params
    from bot.jobs.params import draft_params
    from bot.media.contact_sheet import contact_sheet
    from bot.store.assets import asset_path, load_asset_image

    options, extras = parse_draft_text(text, frozenset({"lora"}))
    params = draft_params(options, runtime.settings, runtime.family, tier=tier)
    params.update(
        lora_params(
            runtime.settings,
            runtime.store,
            None,
            extras.get("lora"),
            runtime.family,
            tier,
            params["prompt"],
        )
    )
    check_output_folder(out)
    finished = threading.Event()
    outcome: dict[str, Any] = {}

    printing = threading.Lock()

    def on_progress(job: Job, done: int, total: int) -> None:
        with printing:
            if not finished.is_set():
                print(f"\rrendering: step {done} of {total}", end="", file=stderr, flush=True)

    def on_done(job: Job, assets: list[dict[str, Any]]) -> None:
        from bot.quality.flags import check_job_results

        check_job_results(runtime.store, runtime.settings, job, assets)
        outcome["assets"] = assets
        finished.set()

    def on_failed(job: Job, message: str) -> None:
        outcome["error"] = message
        finished.set()

    def on_cancelled(job: Job) -> None:
        outcome["error"] = "cancelled"
        finished.set()

    from bot.jobs.orphans import cancel_orphaned_cli_jobs

    orphans = cancel_orphaned_cli_jobs(runtime.store)
    if orphans:
        print(f"dailies: cancelled {orphans} interrupted draft(s) of an earlier run", file=stderr)
    params["cli_pid"] = os.getpid()
    job = jobs.create_job(runtime.store, tier, params, user_id=None, channel_id=None, source="cli")
    runtime.events.watch(job.id, JobHooks(None, on_progress, on_done, on_failed, on_cancelled))
    runtime.engine.start()
    try:
        runtime.engine.wake()
        finished.wait()
    except KeyboardInterrupt:
        # Nobody would ever show this job's images: stop it rather than leave it queued for the
        # next run to find.
        jobs.request_cancel(runtime.store, job.id, None)
        with printing:
            finished.set()  # no more progress lines
            print(file=stderr)  # end the progress line
        raise CliError(f"interrupted; job {job.id} cancelled") from None
    finally:
        runtime.close()
        if jobs.get_job(runtime.store, job.id).status not in jobs.FINISHED:
            jobs.finish_job(runtime.store, job.id, jobs.CANCELLED, "interrupted")
    print(file=stderr)
    if "error" in outcome:
        raise CliError(f"job {job.id} failed: {outcome['error']}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    assets = outcome["assets"]
    for asset in assets:
        target = out / f"dailies-{job.id}-{asset['variant']}-seed{asset['seed']}.png"
        shutil.copyfile(asset_path(runtime.settings.assets_dir, asset), target)
        written.append(target)
    sheet = contact_sheet(
        [load_asset_image(runtime.settings.assets_dir, a) for a in assets],
        [f"#{a['variant']} seed {a['seed']}" for a in assets],
    )
    sheet_path = out / f"dailies-{job.id}-contact-sheet.png"
    sheet.save(sheet_path)
    written.append(sheet_path)
    return written


def _require(settings: Settings, *names: str) -> None:
    env = {
        "slack_bot_token": "SLACK_BOT_TOKEN",
        "slack_app_token": "SLACK_APP_TOKEN",
        "slack_signing_secret": "SLACK_SIGNING_SECRET",
    }
    missing = [env[n] for n in names if not getattr(settings, n)]
    if missing:
        raise CliError(f"set {', '.join(missing)} in the environment (see README: Configuration)")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    """Slack when its tokens are set (Socket Mode, or HTTP with --http); else the playground."""
    from bot.runtime import build_runtime

    no_tokens = not (settings.slack_bot_token or settings.slack_app_token)
    if args.playground or (no_tokens and not args.http):
        from handlers.playground import serve_playground

        check_home(settings.home)
        serve_playground(settings, args.host or "127.0.0.1", args.port, sys.stdout)
        return 0
    from handlers.app import serve_http, serve_socket_mode

    if args.http:
        _require(settings, "slack_bot_token", "slack_signing_secret")
        serve_http(build_runtime(settings), args.host or "0.0.0.0", args.port)
    else:
        _require(settings, "slack_bot_token", "slack_app_token")
        serve_socket_mode(build_runtime(settings))
    return 0


def _bolt_error() -> type[Exception]:
    """slack_bolt's error class, imported only when an exception is being matched."""
    from slack_bolt.error import BoltError

    return BoltError


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
        logs.configure(settings.log_level, settings.log_format)
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "draft":
            from bot.runtime import build_runtime

            logging.getLogger().setLevel(logging.WARNING)
            check_home(settings.home)
            runtime = build_runtime(settings, with_slack=False)
            for path in run_draft(runtime, _flags_text(args), args.tier, args.out):
                print(path)
            return 0
        if args.command == "workers":
            print(run_workers(settings))
            return 0
        if args.command == "history":
            print(run_history(settings, args.link, args.channel, args.thread))
            return 0
        if args.command == "export":
            from bot.library.export import export_to_file
            from bot.store.database import Store

            if not settings.db_path.exists():
                raise CliError(f"no dailies database at {settings.db_path} (check DAILIES_HOME)")
            pkg = export_to_file(
                Store(settings.db_path),
                settings.assets_dir,
                args.out,
                thread=args.thread,
                channel=args.channel,
                tag=args.tag,
                max_bytes=settings.export_max_bytes,
            )
            print(f"{args.out} ({len(pkg.assets)} files)")
            return 0
        if args.command == "stats":
            from bot.quality.cli_stats import run_stats

            check_home(settings.home)
            print(
                run_stats(
                    settings,
                    channel=args.channel,
                    since=args.since,
                    by=args.by,
                    png=args.png,
                    csv=args.csv,
                )
            )
            return 0
    except (CliError, ConfigError, ValueError) as exc:  # OptionsError is a ValueError
        print(f"dailies: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dailies: interrupted", file=sys.stderr)
        return 2
    except _bolt_error() as exc:  # auth.test refused the token at start-up
        print(f"dailies: Slack refused the bot token: {exc}", file=sys.stderr)
        return 2
    except URLError as exc:
        print(
            f"dailies: cannot reach Slack at {settings.slack_api_url} ({exc.reason}); "
            "check SLACK_API_URL and the network",
            file=sys.stderr,
        )
        return 2
    except (OSError, sqlite3.Error) as exc:
        print(f"dailies: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
