"""features/live_trade"""
