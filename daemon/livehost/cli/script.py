"""`livehost script`: draft product scripts with a local language model, review, list them.

draft   asks the endpoint in scripts.endpoint for lines (a batch job, at low priority);
review  shows each draft with its claim check: approve, edit, reject or skip;
check   counts each product's lines and says what waits for review or went stale.
Only approved lines air; the daemon itself never calls the model.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from livehost.cli.common import add_config_argument, load_config_or_report, print_problems
from livehost.config.device import LoadedConfig
from livehost.problems import Problem, ProblemsError
from livehost.schedule.load import load_schedule_file
from livehost.schedule.model import Product, Schedule
from livehost.scripts.claims import check_line
from livehost.scripts.client import ChatClient, ScriptDraftError
from livehost.scripts.draft import draft_file, line_counts, slot_style
from livehost.scripts.facts import facts_hash
from livehost.scripts.load import LoadedScript, load_script_file
from livehost.scripts.model import ScriptFile, ScriptLine
from livehost.scripts.report import script_report
from livehost.scripts.save import write_script
from livehost.scripts.scriptset import ScriptSet
from livehost.scripts.store import is_script_name, scripts_folder
from livehost.textwidth import ljust

BATCH_NICENESS = 10  # drafting on a box during a show must never cost a frame


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "script",
        help="draft, review and list the products' script lines",
        description="Script lines a language model drafts and staff approve. "
        "Only approved lines air; see docs/scripts.md.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    draft = actions.add_parser("draft", help="draft lines with the language model")
    which = draft.add_mutually_exclusive_group(required=True)
    which.add_argument("--product", metavar="ID", help="draft this product's lines")
    which.add_argument("--all", action="store_true", help="draft every product's lines")
    draft.add_argument("--endpoint", metavar="URL", help="overrides scripts.endpoint")
    draft.add_argument("--model", metavar="NAME", help="overrides scripts.model")
    draft.add_argument("--per-kind", type=int, metavar="N", help="N lines of every kind")
    add_config_argument(draft)
    draft.set_defaults(func=run_draft)

    review = actions.add_parser("review", help="approve, edit or reject the drafts")
    review.add_argument("product", nargs="?", metavar="PRODUCT", help="only this product")
    review.add_argument("--as", dest="approver", metavar="NAME", help="approver (default: $USER)")
    add_config_argument(review)
    review.set_defaults(func=run_review)

    check = actions.add_parser("check", help="count each product's lines; find problems")
    add_config_argument(check)
    check.set_defaults(func=run_check)

    from livehost.scripts.llamaserver import add_arguments

    serve = actions.add_parser(
        "serve",
        help="run llama.cpp's OpenAI-compatible server for drafting (systemd/livehost-llm)",
        description="Serve a GGUF model at http://HOST:PORT/v1 for `script draft`, until "
        "stopped. Needs xllamacpp. The show never calls it.",
    )
    add_arguments(serve)
    serve.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from livehost.scripts.llamaserver import serve

    try:
        return serve(args)
    except ImportError:
        print("livehost: the drafting server needs xllamacpp (pip install xllamacpp)",
              file=sys.stderr)
        return 1


@dataclass(frozen=True)
class _Context:
    config: LoadedConfig
    schedule: Schedule
    folder: Path

    def path(self, product_id: str) -> Path:
        return self.folder / f"{product_id}.yaml"

    def label(self, path: Path) -> str:
        return f"{self.folder.name}/{path.name}"


def _context(args: argparse.Namespace) -> _Context | None:
    loaded_config = load_config_or_report(args.config)
    if loaded_config is None:
        return None
    try:
        loaded = load_schedule_file(loaded_config.schedule_path)
    except ProblemsError as exc:
        print_problems(exc.problems)
        return None
    folder = scripts_folder(loaded_config.schedule_path, loaded_config.config.scripts.folder)
    return _Context(loaded_config, loaded.schedule, folder)


def _products(context: _Context, product_id: str | None) -> list[Product] | None:
    if product_id is None:
        return list(context.schedule.products)
    try:
        return [context.schedule.product(product_id)]
    except KeyError:
        known = ", ".join(p.id for p in context.schedule.products)
        print(
            f"livehost: there is no product '{product_id}' in the schedule ({known})",
            file=sys.stderr,
        )
        return None


# --- draft ----------------------------------------------------------------------------------


def run_draft(args: argparse.Namespace) -> int:
    context = _context(args)
    if context is None:
        return 1
    products = _products(context, None if args.all else args.product)
    if products is None:
        return 1
    settings = context.config.config.scripts
    endpoint = args.endpoint or settings.endpoint
    if not endpoint:
        print(
            "livehost: no endpoint to draft with: set scripts.endpoint in "
            f"{context.config.file} or pass --endpoint URL",
            file=sys.stderr,
        )
        return 1
    _lower_priority()
    client = ChatClient(
        endpoint, args.model or settings.model, settings.timeout_seconds, settings.seed
    )
    counts = line_counts(dict(settings.lines_per_kind), args.per_kind)
    for product in products:
        path = context.path(product.id)
        try:
            result = draft_file(
                path,
                client,
                product,
                context.schedule,
                counts,
                style=slot_style(context.schedule, product.id),
            )
        except ScriptDraftError as exc:
            print(f"livehost: {product.id}: {exc}", file=sys.stderr)
            print(f"{context.label(path)} is unchanged.", file=sys.stderr)
            return 1
        print(
            f"{product.id}: {len(result.lines)} lines drafted, {result.flagged} flagged by the "
            f"claim check, {result.seconds:.1f} s, {result.tokens_per_second:.0f} tokens/s "
            f"({result.completion_tokens} tokens in {result.requests} requests) "
            f"-> {context.label(path)}",
            flush=True,
        )
    print("Review them with: livehost script review")
    return 0


def _lower_priority() -> None:
    with contextlib.suppress(OSError):  # not allowed: drafting still works, just not politely
        os.nice(BATCH_NICENESS)


# --- review ---------------------------------------------------------------------------------

_KEYS = "[a]pprove  [e]dit  [r]eject  [s]kip  [q]uit"


def run_review(args: argparse.Namespace) -> int:
    context = _context(args)
    if context is None:
        return 1
    products = _products(context, args.product)
    if products is None:
        return 1
    approver = (args.approver or os.environ.get("USER") or os.environ.get("LOGNAME") or "").strip()
    if not approver:
        try:
            approver = getpass.getuser()
        except (KeyError, OSError):
            print("livehost: who approves? pass --as NAME", file=sys.stderr)
            return 1
    reviewed_any = False
    for product in products:
        path = context.path(product.id)
        if not path.exists():
            if args.product:
                print(
                    f"There is no script for {product.id} yet: "
                    f"livehost script draft --product {product.id}"
                )
            continue
        try:
            loaded = load_script_file(path, context.schedule)
        except ProblemsError as exc:
            print_problems(exc.problems)
            return 1
        review = _Review(context, product, path, loaded.script, approver)
        reviewed_any = reviewed_any or bool(review.queue)
        if not review.run():
            break
    if not reviewed_any:
        print("Nothing waits for review.")
    return 0


class _Review:
    """One product's drafts and stale lines, one at a time; saved after every decision."""

    def __init__(
        self, context: _Context, product: Product, path: Path, script: ScriptFile, approver: str
    ) -> None:
        self.context = context
        self.product = product
        self.path = path
        self.script = script
        self.approver = approver
        self.now = facts_hash(product)
        self.queue = [
            i
            for i, line in enumerate(script.lines)
            if line.status == "draft"
            or (line.status == "approved" and script.line_facts(line) != self.now)
        ]
        self.counts = {"approved": 0, "rejected": 0, "edited": 0, "skipped": 0}

    def run(self) -> bool:
        """False when the reviewer quit."""
        if not self.queue:
            return True
        print(
            f"\n{self.product.name} ({self.context.label(self.path)}): "
            f"{len(self.queue)} line(s) to review"
        )
        try:
            return all(self._one(number, index) for number, index in enumerate(self.queue, 1))
        finally:
            done = ", ".join(f"{n} {what}" for what, n in self.counts.items() if n)
            print(
                f"{self.product.id}: {done or 'nothing decided'}; saved to "
                f"{self.context.label(self.path)}"
            )

    def _one(self, number: int, index: int) -> bool:
        while True:
            line = self.script.lines[index]
            reasons = check_line(line.text, self.product, self.context.schedule)
            stale = " (approved before the facts changed)" if line.status == "approved" else ""
            print(f"\n[{number}/{len(self.queue)}] {line.kind}{stale}")
            print(f"  {line.text}")
            if reasons:
                print("  claim check: cannot be approved as it is:")
                for reason in reasons:
                    print(f"    - {reason}")
            else:
                print("  claim check: passes")
            try:
                key = _read_key(f"{_KEYS}? ")
            except EOFError:
                print()
                return False
            if key == "q":
                return False
            if key == "s" or key == "":
                self.counts["skipped"] += 1
                return True
            if key == "a":
                if reasons:
                    print(
                        "  Not approved: the claim check fails. Edit the line (e) so it says "
                        "only what the product's facts say, or reject it (r)."
                    )
                    continue
                self._set(
                    index,
                    status="approved",
                    approved_by=self.approver,
                    approved_at=self._local_now(),
                    facts=self.now,
                    claims=[],
                )
                self.counts["approved"] += 1
                return True
            if key == "r":
                self._set(index, status="rejected", claims=reasons)
                self.counts["rejected"] += 1
                return True
            if key == "e":
                self._edit(index, line)
                continue
            print(f"  Please answer with one of the letters: {_KEYS}")

    def _local_now(self) -> datetime:
        zone = self.context.config.config.unit.zone  # the unit's wall clock, as in the schedule
        return datetime.now(zone).replace(tzinfo=None, microsecond=0)

    def _edit(self, index: int, line: ScriptLine) -> None:
        try:
            text = " ".join(edit_text(line.text).split())
        except EOFError:
            return
        if not text or text == line.text:
            print("  Unchanged.")
            return
        reasons = check_line(text, self.product, self.context.schedule)
        # an edited line is a draft again until someone approves the new words
        if self._set(
            index,
            text=text,
            status="draft",
            approved_by=None,
            approved_at=None,
            facts=None,
            claims=reasons,
        ):
            self.counts["edited"] += 1

    def _set(self, index: int, **changes: Any) -> bool:
        data = self.script.lines[index].model_dump()
        data.update(changes)
        try:
            line = ScriptLine.model_validate(data)
        except ValidationError as exc:
            print(f"  Not saved: {exc.errors()[0]['msg'].removeprefix('Value error, ')}")
            return False
        lines = list(self.script.lines)
        lines[index] = line
        self.script = self.script.model_copy(update={"lines": lines})
        write_script(self.path, self.script)
        return True


def edit_text(text: str) -> str:
    """$VISUAL/$EDITOR on a temporary file at a terminal; else a line read from stdin
    (pre-filled with the old text where readline can)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if editor and sys.stdin.isatty():
        with tempfile.NamedTemporaryFile("w+", suffix=".txt", encoding="utf-8", delete=False) as f:
            f.write(text + "\n")
            name = f.name
        try:
            subprocess.run([*shlex.split(editor), name], check=False)
            return Path(name).read_text(encoding="utf-8").strip()
        finally:
            Path(name).unlink(missing_ok=True)
    if sys.stdin.isatty():
        try:
            import readline
        except ImportError:
            readline = None  # type: ignore[assignment]
        if readline is not None:
            readline.set_startup_hook(lambda: readline.insert_text(text))
            try:
                return input("  text> ")
            finally:
                readline.set_startup_hook()
    print("  New text (an empty line keeps it):")
    return input("  text> ")


# --- check ----------------------------------------------------------------------------------


def run_check(args: argparse.Namespace) -> int:
    context = _context(args)
    if context is None:
        return 1
    problems: list[Problem] = []
    good: dict[str, LoadedScript] = {}
    if context.folder.is_dir():
        for path in sorted(context.folder.iterdir()):
            if not is_script_name(path.name):
                continue
            try:
                loaded = load_script_file(path, context.schedule)
            except ProblemsError as exc:
                problems += exc.problems
                continue
            problems += loaded.warnings
            good[loaded.product] = loaded
    script_set = ScriptSet(good, context.schedule, context.folder)
    print(f"Scripts in {context.folder}:")
    for product in context.schedule.products:
        loaded = good.get(product.id)
        name = ljust(product.id, 14)
        if loaded is None:
            broken = context.path(product.id).exists()
            print(
                f"  {name} {'broken: see below' if broken else 'no script file'}"
                f"  (facts {facts_hash(product)})"
            )
            continue
        counts = _counts(loaded.script, facts_hash(product))
        airing = sum(len(v) for v in script_set.approved(product).values())
        print(
            f"  {name} {airing} airing · {counts['approved']} approved · {counts['draft']} draft "
            f"· {counts['rejected']} rejected · {counts['stale']} stale  "
            f"(facts {facts_hash(product)})"
        )
    for warning in script_report(context.schedule, script_set):
        print(f"  warning: {warning}")
    if problems:
        failed = any(p.severity == "error" for p in problems)
        print()
        print_problems(problems, sys.stderr if failed else sys.stdout)
        return 1 if failed else 0
    return 0


def _counts(script: ScriptFile, now: str) -> dict[str, int]:
    counts = {"approved": 0, "draft": 0, "rejected": 0, "stale": 0}
    for line in script.lines:
        if line.status == "approved" and script.line_facts(line) != now:
            counts["stale"] += 1
        else:
            counts[line.status] += 1
    return counts


def _read_key(prompt: str) -> str:
    """One key, at a terminal without Enter; from a pipe, the first letter of a line."""
    if not sys.stdin.isatty():
        return input(prompt).strip().lower()[:1]
    import termios
    import tty

    print(prompt, end="", flush=True)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        key = sys.stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    print(key)
    if key in ("\x04", ""):  # Ctrl-D
        raise EOFError
    return key.strip().lower()

