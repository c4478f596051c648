"""`perps-bot optimize`: Optuna searches the space, Ray runs every trial's backtests (fast mode)
on a local instance or a cluster, walk-forward folds score the choice out of sample."""
