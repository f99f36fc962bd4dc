"""The checking engine: rules, patterns, entities, models and the complaint classifier, with no web in it."""
