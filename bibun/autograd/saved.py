"""Which of an op's saved arrays its backward reads: what an in-place change may not touch.

PyTorch refuses to backpropagate through an op only when the op saved the tensor that changed (mul
saves its inputs, exp its output, add nothing), so `t = c.exp(); c += 1; t.backward()` is fine there.
bibun's VJPs are plain functions of (xp, g, out, *inputs), so what each one reads is in its code:
an argument it loads counts, unless it only asks for `.shape`, `.ndim`, `.dtype` or `.size` (which no
in-place op changes). Worked out once per op, when an in-place change first meets it in a backward.
"""
import dis

_META = frozenset(("shape", "ndim", "dtype", "size"))
_LOADS = frozenset(("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "LOAD_FAST_LOAD_FAST",
                    "LOAD_DEREF", "LOAD_CLOSURE"))
_ALL = None            # "reads everything": what an unreadable VJP is taken to do


def loads(code):
    """(names, meta_only) for each load of a local or closure variable in `code`: meta_only when all it does
    with the value is ask its .shape, .ndim, .dtype or .size (bibun.jit's unread-argument pass reads this too)."""
    ins = list(dis.get_instructions(code))
    for k, ins_k in enumerate(ins):
        if ins_k.opname not in _LOADS:
            continue
        names = ins_k.argval if isinstance(ins_k.argval, tuple) else (ins_k.argval,)
        nxt = ins[k + 1] if k + 1 < len(ins) else None
        yield names, (len(names) == 1 and nxt is not None and nxt.opname == "LOAD_ATTR"
                      and str(nxt.argval).split(" ")[0] in _META)


def _read_names(fn):
    """The argument names `fn` reads beyond their metadata, or _ALL when its code cannot be read."""
    code = getattr(fn, "__code__", None)
    if code is None:                                # not plain Python: cannot tell
        return _ALL
    n_named = code.co_argcount + code.co_kwonlyargcount
    args = set(code.co_varnames[:n_named])
    if code.co_flags & 0x04:                        # *args: what it reads of them cannot be told apart
        args.add(code.co_varnames[n_named])
    read = set()
    for names, meta_only in loads(code):
        if not meta_only:
            read.update(n for n in names if n in args)
    if code.co_flags & 0x04 and code.co_varnames[n_named] in read:
        return _ALL
    return read, code.co_varnames[:code.co_argcount]


_CACHE = {}


def reads(op, n_inputs):
    """(reads_output, per_vjp) for `op`: per_vjp[j] is the set of input positions the VJP for input j
    reads (all of them where it cannot tell)."""
    key = (op, n_inputs)
    got = _CACHE.get(key)
    if got is not None:
        return got
    everything = frozenset(range(n_inputs))
    reads_out = False
    per_vjp = []
    for j in range(n_inputs):
        found = None if op.variadic or j >= len(op.vjp) else _read_names(op.vjp[j])
        if found is None:
            per_vjp.append(everything)
            reads_out = True
            continue
        names, params = found
        inputs = params[3:3 + n_inputs]           # (xp, g, out, *inputs, then the op's own parameters)
        reads_out |= len(params) > 2 and params[2] in names
        per_vjp.append(frozenset(i for i, n in enumerate(inputs) if n in names))
    got = _CACHE[key] = (reads_out, tuple(per_vjp))
    return got
