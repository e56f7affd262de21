"""The op families (one `Function` subclass per op, forward, VJP and derivation together) and
`registry`, the one table that wires them to public functions and Tensor methods.

A regular package rather than a namespace one, so that the API reference (griffe, which skips
directories without an ``__init__.py`` inside a package) documents its modules."""
