"""The published data: the dataset of one version, indicator values, names, the join and the built-in demo values."""
