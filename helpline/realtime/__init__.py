"""The real-time layer: sockets, what clients may send, rate limits, and delivery.

It knows nothing of chats or the line: the domain calls it, never the other way round.
"""
