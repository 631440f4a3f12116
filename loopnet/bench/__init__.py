"""Reading loopnet's benchmark results: ``python -m loopnet.bench report results.json --out DIR``.

The benchmarks themselves live in ``bench/`` of the source tree (pytest-benchmark); this
package turns their ``--benchmark-json`` output into a Markdown table and a PNG chart, and
measures cold start (see :mod:`loopnet.bench.report`).
"""
