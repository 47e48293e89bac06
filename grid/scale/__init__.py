"""Province scale: the batch jobs (partition, record re-assignment) run as dask.distributed tasks.

``cluster`` connects to a cluster (``local:N`` worker processes on this machine, or an existing
scheduler at ``tcp://host:8786``); ``partition`` runs communities as tasks over buildings read and
matched to their communities in partitions (dask-geopandas), and writes GeoParquet partitioned by
street; ``reassign`` assigns records to the cells valid at their time and to H3, partition by
partition; ``output`` is the one GeoParquet layout both the in-process and the distributed runs
write, so their files can be compared byte for byte; ``gpkg`` writes a GeoPackage from it street
by street.
"""

from grid.scale.cluster import connect, parse_cluster

__all__ = ["connect", "parse_cluster"]
