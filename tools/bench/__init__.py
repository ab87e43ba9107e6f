"""Jaga's performance tools: `make bench` (`python -m tools.bench`) and `make loadtest`
(`python -m tools.bench.loadtest`). See docs/benchmarks.md.

    common        what every part shares: statistics, memory, the machine, load texts,
                  building an assistant (in memory or on Redis)
    run           the benchmark: trains, spawns one worker per measurement, writes the report
    report        the report's figures and its Markdown
    worker        one measurement in a fresh process (`python -m tools.bench.worker <mode>`)
    throughput    open-loop load: the conversation module alone, and Telegram front ends
                  (webhook mode, in-process Rasa on Redis) against the fake Bot API
    turn_profile  where a reply's time goes (cProfile of one Rasa turn, grouped)
    tracker_save  CPU of a tracker save to Redis: Rasa's store against Jaga's
    loadtest      the production stack (deploy/run-production.sh) under bounded load
"""
