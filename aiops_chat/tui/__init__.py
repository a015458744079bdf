"""The Textual front end of `aiops chat`: the only package that imports `textual`.

It drives the headless core (``aiops_chat.agent.session.ChatSession``) and never decides anything itself:
policy, execution and audit stay in the core; this package shows what happens and asks the user.
"""
