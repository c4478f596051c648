"""Pre-trade risk: pure checks of one order request against limits and the account as it stands.
Import from the modules (pre_trade, context, rules) directly."""
