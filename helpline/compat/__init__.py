"""Every place the helpline patches a library's internals, one module per library concern:
the domain modules call these through small functions and classes of ours."""
