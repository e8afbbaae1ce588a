"""Push channels of the gateway (channels whose replies the gateway sends itself). Now: Zalo Official Account."""
