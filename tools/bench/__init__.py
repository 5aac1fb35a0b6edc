"""`make bench`: what the assistant costs, side by side with a stock Rasa 3.6 bot on the same machine.

Modules: procs (start servers, memory, time to first answer), load (latency and throughput over
REST), stock (the bot `rasa init` creates), scale (search at 1×, 10×, 100× the knowledge),
live (a knowledge change going live) and __main__ (runs it all, prints the table, writes JSON).
"""
