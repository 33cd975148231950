"""`make bench`: the template's speed goals, each measured side by side in one run.

These machines are noisy, so every goal compares A with B interleaved (A, B, A, B, ...) over
several rounds on 127.0.0.1 and reports the median ratio and its spread. The load comes from
wrk, a second process. Not part of `make test`; a one-round smoke run of it is.
"""
