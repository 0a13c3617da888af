-- One unit on one indicator of a scoring run: its inputs, the rule applied and the points.
insert into score_line (
    period, version, unit, indicator, category, seq, measure, target, eligibility, place,
    method, params, ineligible_when, weight, points, rule_version, inputs_hash, figures
)
values (
    :period, :version, :unit, :indicator, :category, :seq, :measure, :target, :eligibility,
    :place, :method, :params, :ineligible_when, :weight, :points, :rule_version, :inputs_hash,
    :figures
)
