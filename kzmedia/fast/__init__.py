"""The speed layer: faster copies of methods whose readable reference lives in a stage module.

Each module here holds one accelerated algorithm behind a small public interface, and states
which reference function it reproduces. The stage module calls it at one place, and a
keyword of the stage's public function (``method="reference"``) runs the reference instead.
The contract of every module is a differential test against its reference (``tests/``), so
the results are the same either way; only speed differs. A module stays here only while it
saves at least a tenth of the full analysis of a large corpus (``benchmarks/``).
"""
