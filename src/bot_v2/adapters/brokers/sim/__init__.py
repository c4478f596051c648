"""adapters/brokers/sim"""
