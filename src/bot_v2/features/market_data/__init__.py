"""features/market_data"""
