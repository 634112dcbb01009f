# Text as screen rows broken between words: alarm texts, refusals and
# console prompts. Its own module, loaded when such a text is drawn.

from ui.fmt import fit


def wrap(text, chars=16, rows=5):
    """Text as screen rows broken between words, never inside one (a word
    longer than a row breaks after '_', '.' or '/' if it has one, else at the
    edge). When rows run out, the last one ends in '...' after a whole word."""
    words = []
    for w in text.split():
        while len(w) > chars:
            cut = max(w.rfind("_", 0, chars), w.rfind(".", 0, chars), w.rfind("/", 0, chars))
            cut = cut + 1 if cut > 0 else chars
            words.append(w[:cut])
            w = w[cut:]
        if w:
            words.append(w)
    out = []
    cur = ""
    for w in words:
        if not cur:
            cur = w
        elif len(cur) + 1 + len(w) <= chars:
            cur += " " + w
        else:
            out.append(cur)
            cur = w
    if cur:
        out.append(cur)
    if len(out) > rows:
        last = out[rows - 1]
        while len(last) + 3 > chars and " " in last:
            last = last.rsplit(" ", 1)[0]
        out = out[:rows - 1] + [fit(last, chars - 3) + "..."]
    return out
