"""The partition: communities divided into contiguous, compact cells of min–max households.

``cells`` runs it per community (``partition``, ``label_plots``, ``PartitionResult``, re-exported
here, as README.md and docs/CONTRACTS.md document ``from grid.partition import partition``);
``checks`` refuses bad input first; ``tessellate`` cuts a community into building plots
(``voronoi`` regions with footprints noded in),
``graph`` links them, ``bisection`` cuts the plots' spanning tree into cells of ``bounds``,
``recombine`` re-cuts cells out of bounds, ``moves`` merges small cells and moves single
plots, ``vertical`` stacks tall buildings, ``straddle`` gives each building its community,
``footprints`` and ``topology`` keep plots and cells a clean coverage; ``report`` writes the text
report.
"""

from grid.partition.cells import PartitionResult, label_plots, partition

__all__ = ["PartitionResult", "label_plots", "partition"]
