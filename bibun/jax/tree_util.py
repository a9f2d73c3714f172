"""jax.tree_util: nested tuples, lists and dicts of arrays ("pytrees"), flattened and rebuilt.

The transforms take pytrees (a dict of parameters has a dict of gradients) and a training step updates
them with `tree_map(lambda p, g: p - lr * g, params, grads)`. As in JAX, dict keys are taken in sorted
order, None is an empty subtree and anything else is a leaf.
"""


class PyTreeDef:
    """The shape of a pytree without its leaves."""
    __slots__ = ("kind", "keys", "children")

    def __init__(self, kind, keys=(), children=()):
        self.kind, self.keys, self.children = kind, tuple(keys), tuple(children)

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def unflatten(self, leaves):
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"this tree has {self.num_leaves} leaves, but {len(leaves)} were given")
        return self._build(iter(leaves))

    def _build(self, it):
        if self.kind == "leaf":
            return next(it)
        if self.kind is None:
            return None
        parts = [c._build(it) for c in self.children]
        if self.kind is dict:
            return dict(zip(self.keys, parts))
        if hasattr(self.kind, "_fields"):              # a namedtuple
            return self.kind(*parts)
        return self.kind(parts)

    def __eq__(self, other):
        return (isinstance(other, PyTreeDef) and self.kind == other.kind and self.keys == other.keys
                and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, self.keys, self.children))

    def _show(self):
        if self.kind == "leaf":
            return "*"
        if self.kind is None:
            return "None"
        inner = [c._show() for c in self.children]
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(self.keys, inner)) + "}"
        if self.kind is list:
            return "[" + ", ".join(inner) + "]"
        if self.kind is tuple:
            return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"
        return f"{self.kind.__name__}(" + ", ".join(inner) + ")"

    def __repr__(self):
        return f"PyTreeDef({self._show()})"


def tree_flatten(tree):
    """(leaves, treedef): the leaves in order, and what `tree_unflatten(treedef, leaves)` rebuilds from."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if tree is None:
        return PyTreeDef(None)
    if isinstance(tree, dict):
        keys = sorted(tree)
        return PyTreeDef(dict, keys, [_flatten(tree[k], leaves) for k in keys])
    if isinstance(tree, (tuple, list)):
        return PyTreeDef(type(tree), (), [_flatten(x, leaves) for x in tree])
    leaves.append(tree)
    return PyTreeDef("leaf")


def tree_unflatten(treedef, leaves):
    return treedef.unflatten(leaves)


def tree_leaves(tree):
    return tree_flatten(tree)[0]


def tree_structure(tree):
    return tree_flatten(tree)[1]


def tree_map(f, tree, *rest):
    """`f` applied leaf by leaf; `rest` are trees of the same structure whose leaves are passed alongside."""
    leaves, treedef = tree_flatten(tree)
    others = []
    for i, other in enumerate(rest):
        other_leaves, other_def = tree_flatten(other)
        if other_def != treedef:
            raise ValueError(f"tree_map: tree {i + 1} has structure {other_def}, which differs from the first "
                             f"tree's {treedef}; give trees of the same structure")
        others.append(other_leaves)
    return treedef.unflatten(f(*xs) for xs in zip(leaves, *others))
