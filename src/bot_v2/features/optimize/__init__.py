"""Parameter search without fooling yourself: the pure parts of `perps-bot optimize` (the search
space, the walk-forward windows, objectives, the stitched out-of-sample result and the deflated
Sharpe ratio). Running trials is orchestration/optimize's job."""
