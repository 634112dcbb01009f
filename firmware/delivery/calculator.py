# The bolus calculator: a suggestion with its parts, never a delivery.
#   carbs_mu      = carbs_g / (carb ratio g/U)            (ratio stored x10)
#   correction_mu = (BG - high) / ISF above the target range,
#                   (BG - low) / ISF below it (negative), 0 inside it
#   suggested_mu  = carbs + correction - IOB, floored at 0, rounded down to
#                   the bolus increment, and capped at max bolus.
# Every division rounds toward less insulin. Settings come from the segment in
# force at the local time of day (the first segment when the time is unknown).

from delivery.profile import index_at


def suggest(cfg, tod_ms, carbs_g, bg_mg_dl, iob_mu, max_bolus_mu):
    calc = cfg["calculator"]
    t = 0 if tod_ms is None else tod_ms
    ratio_x10 = calc["carb_ratio"][index_at(calc["carb_ratio"], t)][1]
    isf = calc["isf"][index_at(calc["isf"], t)][1]
    seg = calc["target"][index_at(calc["target"], t)]
    low, high = seg[1], seg[2]
    carbs_mu = carbs_g * 10000 // ratio_x10
    correction_mu = 0
    if bg_mg_dl is not None:
        if bg_mg_dl > high:
            correction_mu = (bg_mg_dl - high) * 1000 // isf
        elif bg_mg_dl < low:
            correction_mu = -(((low - bg_mg_dl) * 1000 + isf - 1) // isf)
    raw = carbs_mu + correction_mu - iob_mu
    inc = cfg["delivery"]["bolus_increment_mu"]
    suggested = raw // inc * inc if raw > 0 else 0
    limited_by = None
    if suggested > max_bolus_mu:
        suggested = max_bolus_mu // inc * inc
        limited_by = "max_bolus"
    return {
        "suggested_mu": suggested,
        "carbs_mu": carbs_mu,
        "correction_mu": correction_mu,
        "iob_mu": iob_mu,
        "carb_ratio_g_per_u_x10": ratio_x10,
        "isf_mg_dl_per_u": isf,
        "target_low_mg_dl": low,
        "target_high_mg_dl": high,
        "no_time": tod_ms is None,
        "limited_by": limited_by,
    }
