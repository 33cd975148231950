"""What the template's tests, benchmarks and docs generator share: the variants cookiecutter.json
defines, one way to bake them, the real servers they run on, and the crawler that judges every
asset those servers send. The crawler is the oracle: it shares no code with the generated
projects it judges.
"""
