"""The op families (one `Function` subclass per op, forward, VJP and derivation together) and
`registry`, the one table that wires them to public functions and Tensor methods.

A regular package (not a namespace one), so that setuptools' package discovery ships it in a
wheel and the API reference (griffe) finds its modules."""
