"""The writer's pages of anonymous messages (issue 20): write a message, see its code once,
open the conversation with the code, write again, end it. HTTP only; what a conversation
is and does lives in helpline/messages/ (the domain core). docs/protocol.md, "Anonymous
messages (HTTP)", is the contract.
"""
