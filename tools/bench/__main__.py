"""`make bench`: the assistant side by side with a stock Rasa 3.6 bot, same machine, same run.

Every figure is the median over --runs runs. Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bot.settings import get_settings
from tools.bench import live, load, stock
from tools.bench.procs import Server

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "var" / "bench"
RASA = str(Path(sys.executable).with_name("rasa"))
OURS_PORT, ACTIONS_PORT, STOCK_PORT = 5405, 5455, 5406
KNOWLEDGE_CATEGORIES = {"level", "principle", "theme", "network_topic", "network_questions", "fact", "keyword"}


def knowledge_questions() -> list[str]:
    cases = yaml.safe_load((ROOT / "tests" / "eval" / "dev.yml").read_text(encoding="utf-8"))["cases"]
    return [c["turns"][0] for c in cases if c["category"] in KNOWLEDGE_CATEGORIES and len(c["turns"]) == 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Bench:
    def __init__(self, runs: int, train_runs: int, users: int):
        self.runs, self.train_runs, self.users = runs, train_runs, users
        self.samples: dict[str, list[float]] = {}
        self.questions = knowledge_questions()

    def add(self, key: str, value: float) -> None:
        self.samples.setdefault(key, []).append(value)
        print(f"  {key}: {value:.3f}", flush=True)

    # -- set-up ----------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in get_settings().env.items() if not k.startswith(("TEAMS_", "TELEGRAM_"))}
        env.update(KNOWLEDGE_DB_URL=f"sqlite:///{WORK / 'knowledge.db'}",
                   TRACKER_DB_URL=f"sqlite:///{WORK / 'tracker.db'}",
                   ACTION_ENDPOINT_URL=f"http://localhost:{ACTIONS_PORT}/webhook",
                   RATE_LIMIT_MESSAGES="1000000")  # one bench sender asks hundreds of questions a minute
        return env

    def prepare(self) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        env = self.env()
        subprocess.run([sys.executable, "-m", "bot", "knowledge", "load", "--db", env["KNOWLEDGE_DB_URL"]],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "bot", "channels", "credentials", "--out", str(WORK / "credentials.yml")],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        print("Creating the stock bot (rasa init) …", flush=True)
        stock.create(WORK / "stock", RASA)

    # -- training --------------------------------------------------------------------
    def training(self) -> None:
        for run in range(self.train_runs):
            print(f"Training, run {run + 1}/{self.train_runs} …", flush=True)
            start = time.perf_counter()
            subprocess.run([RASA, "train", "--force", "--data", "nlu", "--config", "config.yml", "--domain",
                            "domain.yml", "--out", str(WORK / "models"), "--fixed-model-name", "ours"],
                           check=True, cwd=ROOT, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.add("ours.train_s", time.perf_counter() - start)
            self.add("stock.train_s", stock.train(WORK / "stock", RASA, WORK / "stock-models"))

    # -- one run of each bot -----------------------------------------------------------
    def run_stock(self, run: int) -> None:
        base = f"http://localhost:{STOCK_PORT}"
        server = Server("stock rasa", [RASA, "run", "--enable-api", "--port", str(STOCK_PORT), "--model",
                                       str(WORK / "stock-models" / "stock.tar.gz")],
                        WORK / "logs" / f"stock-{run}.log", env=self.env(), cwd=WORK / "stock")
        try:
            self.add("stock.startup_s", server.wait_answer(base, "hello"))
            load.single_user(base, stock.STOCK_MESSAGES * 2)  # warm-up
            single = load.single_user(base, stock.STOCK_MESSAGES * 10)
            self.add("stock.p50_ms", single.p50)
            self.add("stock.p95_ms", single.p95)
            many = load.concurrent(base, stock.STOCK_MESSAGES, users=self.users)
            self.add("stock.concurrent_tps", many.turns_per_second)
            self.add("stock.concurrent_p95_ms", many.p95)
            self.add("stock.concurrent_errors", many.errors)
            self.add("stock.rasa_mb", server.rss_mb())
        finally:
            server.stop()

    def run_ours(self, run: int) -> None:
        base = f"http://localhost:{OURS_PORT}"
        env = self.env()
        tracker = WORK / "tracker.db"
        tracker.unlink(missing_ok=True)
        actions = Server("action server", [RASA, "run", "actions", "--actions", "actions", "--port", str(ACTIONS_PORT)],
                         WORK / "logs" / f"actions-{run}.log", env=env, cwd=ROOT)
        rasa = Server("rasa", [RASA, "run", "--port", str(OURS_PORT), "--model", str(WORK / "models" / "ours.tar.gz"),
                               "--endpoints", "endpoints.yml", "--credentials", str(WORK / "credentials.yml")],
                      WORK / "logs" / f"ours-{run}.log", env=env, cwd=ROOT)
        try:
            self.add("ours.startup_s", rasa.wait_answer(base, self.questions[0]))
            load.single_user(base, self.questions[:20])  # warm-up
            single = load.single_user(base, self.questions)
            self.add("ours.p50_ms", single.p50)
            self.add("ours.p95_ms", single.p95)
            many = load.concurrent(base, self.questions, users=self.users)
            self.add("ours.concurrent_tps", many.turns_per_second)
            self.add("ours.concurrent_p95_ms", many.p95)
            self.add("ours.concurrent_errors", many.errors)
            self.add("ours.rasa_mb", rasa.rss_mb())
            self.add("ours.actions_mb", actions.rss_mb())
            change = live.knowledge_change(base, ROOT / "knowledge", WORK / "live", env["KNOWLEDGE_DB_URL"], run)
            self.add("ours.publish_s", change["publish_s"])
            self.add("ours.knowledge_live_s", change["live_s"])
        finally:
            rasa.stop()
            actions.stop()
            subprocess.run([sys.executable, "-m", "bot", "knowledge", "load", "--db", env["KNOWLEDGE_DB_URL"]],
                           check=True, env=env, stdout=subprocess.DEVNULL)

    # -- search and scale ------------------------------------------------------------
    def scale(self, factors: list[int]) -> list[dict[str, Any]]:
        results = []
        for factor in factors:
            rows = []
            for run in range(self.runs):
                print(f"Search at {factor}× the knowledge, run {run + 1}/{self.runs} …", flush=True)
                done = subprocess.run([sys.executable, "-m", "tools.bench.scale", str(factor)], check=True,
                                      input=json.dumps(self.questions), capture_output=True, text=True,
                                      env=self.env(), cwd=ROOT)
                rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            results.append({key: median([r[key] for r in rows]) for key in rows[0]})
        return results


def table(medians: dict[str, float], scale: list[dict[str, Any]]) -> list[str]:
    m = medians
    nan = float("nan")

    def row(name: str, ours: str, stock_value: str, goal: str, ok: bool | None) -> str:
        mark = "" if ok is None else ("met" if ok else "NOT met")
        return f"| {name} | {ours} | {stock_value} | {goal} | {mark} |"

    lines = ["| Figure | Assistant | Stock Rasa bot | Goal | |", "|---|---|---|---|---|"]
    lines.append(row("Latency, one user, p50", f"{m['ours.p50_ms']:.0f} ms (knowledge answer)",
                     f"{m['stock.p50_ms']:.0f} ms (greeting)", "≤ 80 ms", m["ours.p50_ms"] <= 80))
    lines.append(row("Knowledge answer faster than the stock greeting (p50)", f"{m['ours.p50_ms']:.0f} ms",
                     f"{m['stock.p50_ms']:.0f} ms", "< stock", m["ours.p50_ms"] < m["stock.p50_ms"]))
    lines.append(row("Latency, one user, p95", f"{m['ours.p95_ms']:.0f} ms", f"{m['stock.p95_ms']:.0f} ms",
                     "≤ 150 ms", m["ours.p95_ms"] <= 150))
    ratio = m["ours.concurrent_tps"] / m["stock.concurrent_tps"] if m.get("stock.concurrent_tps") else nan
    lines.append(row("20 conversations: turns/s", f"{m['ours.concurrent_tps']:.1f}",
                     f"{m['stock.concurrent_tps']:.1f}", "≥ 2× stock", ratio >= 2))
    lines.append(row("20 conversations: p95", f"{m['ours.concurrent_p95_ms']:.0f} ms",
                     f"{m['stock.concurrent_p95_ms']:.0f} ms", "", None))
    lines.append(row("20 conversations: errors", f"{m['ours.concurrent_errors']:.0f}",
                     f"{m['stock.concurrent_errors']:.0f}", "0", m["ours.concurrent_errors"] == 0))
    lines.append(row("Rasa server RSS", f"{m['ours.rasa_mb']:.0f} MB", f"{m['stock.rasa_mb']:.0f} MB", "≤ 1.5 GB",
                     m["ours.rasa_mb"] <= 1536))
    lines.append(row("Action server RSS", f"{m['ours.actions_mb']:.0f} MB", "–", "≤ 300 MB",
                     m["ours.actions_mb"] <= 300))
    lines.append(row("Start-up to first answer", f"{m['ours.startup_s']:.1f} s", f"{m['stock.startup_s']:.1f} s",
                     "< stock", m["ours.startup_s"] < m["stock.startup_s"]))
    lines.append(row("Full rasa train", f"{m['ours.train_s']:.0f} s", f"{m['stock.train_s']:.0f} s", "", None))
    lines.append(row("Knowledge change live (edit → answer)", f"{m['ours.knowledge_live_s']:.1f} s "
                     f"(publish command {m['ours.publish_s']:.1f} s)", "–", "≤ 5 s", m["ours.knowledge_live_s"] <= 5))
    for s in scale:
        lines.append(row(f"Search at {s['factor']:.0f}× ({s['units']:.0f} units), semantic on",
                         f"p50 {s['search_scoring_p50_ms']:.1f} ms, p95 {s['search_scoring_p95_ms']:.1f} ms",
                         "–", "< 20 ms at 100×" if s["factor"] == 100 else "",
                         s["search_scoring_p95_ms"] < 20 if s["factor"] == 100 else None))
        lines.append(row(f"Search at {s['factor']:.0f}×, semantic on, incl. embedding the query",
                         f"p50 {s['search_p50_ms']:.1f} ms, p95 {s['search_p95_ms']:.1f} ms", "–", "", None))
        lines.append(row(f"Search at {s['factor']:.0f}×, lexical only",
                         f"p50 {s['search_lexical_p50_ms']:.1f} ms, p95 {s['search_lexical_p95_ms']:.1f} ms", "–",
                         "", None))
        lines.append(row(f"Answer decision at {s['factor']:.0f}× / index memory",
                         f"p50 {s['decide_p50_ms']:.1f} ms / {s['index_mb']:.0f} MB (build {s['index_build_s']:.1f} s)",
                         "–", "", None))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--train-runs", type=int, default=2)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--factors", default="1,10,100")
    parser.add_argument("--only", choices=["search", "servers", "all"], default="all")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--table", action="store_true", help="only print the table of an earlier --out file")
    args = parser.parse_args(argv)
    if args.table:
        saved = json.loads(Path(args.out).read_text(encoding="utf-8"))
        print("\n".join(table(saved["medians"], saved["scale"])))
        return 0
    bench = Bench(args.runs, args.train_runs, args.users)
    bench.prepare()
    scale: list[dict[str, Any]] = []
    out = Path(args.out)

    def save() -> dict[str, float]:  # after every stage, so a failure late in the run loses nothing
        medians = {key: median(values) for key, values in bench.samples.items()}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"runs": args.runs, "machine_cores": os.cpu_count(), "medians": medians,
                                   "samples": bench.samples, "scale": scale}, indent=2, ensure_ascii=False) + "\n")
        return medians

    if args.only in ("servers", "all"):
        bench.training()
        save()
        for run in range(args.runs):
            print(f"Servers, run {run + 1}/{args.runs} …", flush=True)
            bench.run_stock(run)
            bench.run_ours(run)
            save()
    if args.only in ("search", "all"):
        scale = bench.scale([int(f) for f in args.factors.split(",")])
    medians = save()
    if args.only == "all":
        print("\n" + "\n".join(table(medians, scale)))
    print(f"\nWrote {out}")
    shutil.rmtree(WORK / "live", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
