"""The trained models are data like the rules: the shipped files are exactly what `make train` learns from the
corpus, and they are scored in plain Python the way they were trained."""

import json
import math

import pytest

from quality.corpus import ROOT, Reply
from quality.evaluate import _count_kinds, _count_named, evaluate, scores, without_models
from replyguard.checking.engine import Checker, Finding
from quality.train import (TrainingRows, arguing_beside_label, fit, matrix, model_json, naive_bayes_scale,
                           nearest_to_targets, pattern_checker, sentences, stale, train_all)
from replyguard.settings import load_settings
from replyguard.checking.model import (ANSWERS, SHAPE, LinearModel, SentenceModels, features, load_model, model_from_json,
                                       sentence_context, sentence_features, words_of)
from replyguard.checking.text import Measured
from replyguard.checking.rules import load_rules


def test_the_shipped_models_and_thresholds_are_what_the_corpus_trains():
    """Retrains from the corpus (deterministic): a corpus, rule example or template change without make train fails."""
    assert stale(train_all(report=lambda line: None)) == [], "run make train and commit the models and rule files"


def test_make_train_reads_a_rules_patterns_in_answer_to_each_comment_as_its_own_complaint_model_classifies_it():
    """Not as the shipped model does, which is the last make train's: the thresholds then depended on it, and the
    first make train after the comments changed gave other files than the second."""
    rule = next(rule for rule in load_rules() if rule.id == "no-public-compensation")  # not run in answer to a question
    reply, comment = "Hi Jo, sorry about that. Your next coffee's on us. Best, Ahmad", "My latte was cold today."
    as_classified = {kind: pattern_checker(rule, {comment: kind}).check(reply, "en", {"complaint": comment}).findings
                     for kind in ("complaint", "question")}
    assert [f.rule for f in as_classified["complaint"]] == ["no-public-compensation"]
    assert as_classified["question"] == ()


# Rows of features as make train reads them: "refund" only with the label, "hi" as often with it as without.
TOY_ROWS = [["w:refund", "w:hi"], ["w:refund", "w:today"], ["w:hi", "w:today"], ["w:hi", "w:thanks"],
            ["w:refund", "w:thanks"], ["w:thanks", "w:today"]] * 3
TOY_TARGETS = [1, 1, 0, 0, 1, 0] * 3


def test_a_model_learnt_over_naive_bayes_scaled_features_scores_the_plain_features_as_it_was_learnt():
    """make train scales each feature before the logistic regression learns and folds the scale into the weights the
    checker reads: the shipped file must score a sentence's plain features exactly as the fitted model did."""
    import numpy as np

    from scipy.sparse import diags
    from sklearn.linear_model import LogisticRegression

    targets = np.array(TOY_TARGETS)
    training = TrainingRows(TOY_ROWS)
    fitted, columns = fit(training, targets, 4.0, np.ones(len(targets)))
    vocabulary = training.vocabulary(columns)
    shipped = model_from_json(model_json("toy", "en", fitted, vocabulary))
    plain = matrix(TOY_ROWS, vocabulary)
    scale = naive_bayes_scale(plain, targets)
    scaled = plain @ diags(scale)
    learnt = LogisticRegression(solver="liblinear", C=4.0, class_weight="balanced").fit(scaled, targets)
    assert [shipped.raw_scores(row)[0] for row in TOY_ROWS] == pytest.approx(learnt.decision_function(scaled), abs=1e-3)
    by_feature = dict(zip(sorted(vocabulary, key=vocabulary.get), scale))
    assert by_feature["w:refund"] > 0 > by_feature["w:thanks"] and abs(by_feature["w:hi"]) < by_feature["w:refund"]


def test_a_fold_learns_from_the_very_matrix_its_rows_alone_would_give():
    """make train reads the features once and slices them per fold: a fold's model must learn from what its rows
    alone give, a row read with context again without it and then each with an answered kind again without that,
    over the features seen in two of those rows."""
    import numpy as np

    rows = [["w:a", "w:b", "o:c"], ["w:a", "a:complaint"], ["w:b", "o:c", "a:praise"], ["w:d", "w:a"],
            ["w:b", "w:d", "o:e", "o:a"]]
    training = TrainingRows(rows)
    x, columns, sources = training.learnt(np.array([0, 2, 3, 4]))
    alone = [rows[0], rows[2], rows[3], rows[4]]
    alone += [["w:a", "w:b"], ["w:b", "a:praise"], ["w:b", "w:d"]]
    alone += [["w:b", "o:c"], ["w:b"]]
    vocabulary = {"a:praise": 0, "o:c": 1, "w:a": 2, "w:b": 3, "w:d": 4}
    assert training.vocabulary(columns) == vocabulary
    assert (x != matrix(alone, vocabulary)).nnz == 0
    assert list(sources) == [0, 2, 3, 4, 0, 2, 4, 2, 2]


def test_a_threshold_short_of_the_targets_is_the_nearest_and_one_past_them_the_farthest_inside():
    """(threshold, precision, recall) as choose_threshold weighs them, against targets of 0.90 / 0.90."""
    short = [(0.5, 0.80, 0.80), (0.6, 0.85, 0.76), (0.7, 0.70, 0.90)]
    # Added up plainly all three fall 0.20 short; squared, the one short of both by a little is nearest.
    assert nearest_to_targets(short, 0.90, 0.90)[0] == 0.5
    past = [(0.3, 0.90, 0.99), (0.6, 0.94, 0.95), (0.9, 0.99, 0.91), (0.2, 0.89, 1.00)]
    # Past both, not the most recall (0.3, precision on its target) but the largest smaller margin.
    assert nearest_to_targets(past, 0.90, 0.90)[0] == 0.6


def test_the_tone_model_learns_a_point_argued_beside_a_dig_as_neither_hostile_nor_polite():
    """A labeller marks a hostile reply's sharpest line and, as arguing, the point scored beside it: make train must not
    teach the tone model that point is polite; the greeting beside them, and an argued point in a reply with no dig,
    stay polite examples."""
    def reply(reply_id, text, hostile, arguing):
        labels = {"hostile": [{"span": span, "kind": "mockery"} for span in hostile], "arguing": arguing}
        return Reply(reply_id, "en", "twitter", "written", text, None, None, labels)

    replies = [reply("dig", "Hi Sam. You said no. Enjoy the walk home 🙂", ["Enjoy the walk home 🙂"], ["You said no."]),
               reply("calm", "Hi Sam. You said no to the 9am slot. Shall I book 11am?", [], ["You said no to the 9am slot."])]
    examples = [(r.text[a:b], any(a < end and start < b for start, end in r.spans("hostile")), r.id)
                for r in replies for a, b in sentences(r.text)]
    assert arguing_beside_label(examples, "hostile", replies) == [False, True, False, False, False, False]


def test_a_model_of_several_classes_scales_each_class_on_its_own():
    """The complaint model is one binary model per class, each over the features scaled for its own class."""
    import numpy as np

    kinds = np.array(["praise" if row[0] == "w:thanks" or "w:thanks" in row else "complaint" if "w:refund" in row
                      else "question" for row in TOY_ROWS])
    training = TrainingRows(TOY_ROWS)
    fitted, columns = fit(training, kinds, 16.0)
    shipped = model_from_json(model_json("toy", "en", fitted, training.vocabulary(columns)))
    assert [shipped.best_class(row)[0] for row in TOY_ROWS] == list(kinds)


def test_a_model_of_several_classes_learns_with_the_rows_weights():
    """Weights given to fit reach every class's model (they had reached only a binary model's), so a model of several
    classes can weigh some texts more, as the sentence models weigh real replies and the playbook's own texts."""
    import numpy as np

    kinds = np.array(["praise" if row[0] == "w:thanks" or "w:thanks" in row else "complaint" if "w:refund" in row
                      else "question" for row in TOY_ROWS])
    training = TrainingRows(TOY_ROWS)

    def coefficients(weights):
        fitted, _ = fit(training, kinds, 16.0, weights)
        return np.concatenate([model.coef_.ravel() for model in fitted.estimators])

    plain = coefficients(None)
    assert np.allclose(coefficients(np.ones(len(TOY_ROWS))), plain)
    assert not np.allclose(coefficients(np.arange(1, len(TOY_ROWS) + 1, dtype=float)), plain)


def test_features_are_words_pairs_word_pieces_and_shapes_but_not_handles_or_links():
    found = features("Good LUCK with that!! @115712 https://t.co/x")
    assert {"w:good", "b:luck with", "c: goo", "c:that", "s:capitals", "s:!!"} <= set(found)
    assert not any("115712" in f or "t.co" in f for f in found)
    assert len(found) == len(set(found))


def test_a_replys_sentence_also_says_how_it_begins_and_ends_and_its_place_in_the_reply():
    """A curt line alone ("Check your app") and the same words in a warm reply must look different to the models;
    its length and a plain full stop are not features (sentence_features)."""
    [alone] = sentence_features(["@115712 Check your app"])
    assert {"^:check", "^2:check your", "$:a"} <= set(alone)
    assert not any(feature.startswith(("p:", "r:")) for feature in alone), "one sentence has no place in a reply"
    first, middle, last = sentence_features(["Thanks for waiting!", "Check your app for the tracking link, it updates "
                                             "hourly.", "Thanks, Jo"])
    assert {"p:first", "r:2-3", "$:!"} <= set(first) and {"p:last", "$:a"} <= set(last)
    assert {"p:mid", "^:check"} <= set(middle) and not any(feature.startswith("$:") for feature in middle)
    assert not any(feature.startswith(("n:", "^n:")) for row in (first, middle, last) for feature in row)
    assert set(features("Thanks for waiting!")) < set(first), "the sentence's own features stay"
    greeting, _ = sentence_features(["Hi Sam!", "Check your app for the tracking link, it updates hourly."])
    assert greeting == [], "a reply's greeting is not judged (is_greeting)"


def test_shape_features_are_told_apart_from_word_features_by_their_prefix():
    """A warning quotes the whole line when the features with a SHAPE prefix outweigh the words (LinearModel.cue):
    every feature a sentence gains from its shape and place has such a prefix, and none of its word features. The
    kind of comment answered is neither: it is not the line's doing."""
    sentences = ["Thanks for waiting! 😊", "Did you order the GREEN one... or the blue?!", "@115712 n:ever mind ^JB"]
    for sentence, row in zip(sentences, sentence_features(sentences, answers="troll")):
        own = features(sentence)
        assert not any(feature.startswith((*SHAPE, ANSWERS)) for feature in own)
        assert [feature for feature in row if feature.startswith(ANSWERS)] == [ANSWERS + "troll"]
        assert all(feature.startswith(SHAPE) for feature in row if feature not in own and feature != ANSWERS + "troll")


def test_a_sentence_is_read_with_the_words_of_the_other_sentences_of_its_reply():
    """The context of a sentence the models judge: the words of the reply's other sentences of three words or more,
    each once. A greeting or a sign-off ("Sorry again.", "^JB") adds nothing, and a reply of one such sentence has no
    context."""
    reply = ["Hi Sam, sorry!", "Check your app.", "Sorry again.", "^JB"]
    assert sentence_context(reply, sentence_features(reply)) == [
        ["o:app", "o:check", "o:your"], ["o:hi", "o:sam", "o:sorry"],
        ["o:app", "o:check", "o:hi", "o:sam", "o:sorry", "o:your"], []]
    alone = ["Check your app.", "^JB"]
    assert sentence_context(alone, sentence_features(alone)) == [[], []]


def test_a_greeting_and_a_sign_off_around_a_line_give_it_no_context(checker):
    """The corpus's written hostile twins are short replies of a greeting, a dig and a sign-off: read as context, "hej"
    and "mvh" had weighed +1.4 and +1.6 towards hostile, and this README example got a tone warning."""
    reply = ["Hej Lone.", "Du får 20 % rabat på din næste ordre.", "Mvh Mette"]
    assert sentence_context(reply, sentence_features(reply))[1] == []
    assert "kind-tone" not in [f.rule for f in checker.check(" ".join(reply), "da").findings]


@pytest.mark.parametrize("language, reply", [
    ("en", ["Hi Sam.", "Not our problem.", "You signed the contract and the terms are clear.", "Read them next time.",
            "Not our problem.", "Jo"]),
    ("da", ["Hej Lone.", "Det er vi kede af at høre.", "Ring til os på 70 20 30 40, så finder vi en løsning.",
            "Mvh Mette"]),
    ("en", ["Thanks!"]),
])
def test_a_reply_is_scored_as_each_sentence_with_its_own_context(language, reply):
    """The checker weighs the reply's context words once (reply_probabilities), make train and sentence_context
    list each sentence's context in full: the two must give every model the same probability for every sentence."""
    models = SentenceModels([load_model(name, language)
                             for name in ("hostile", "evasive", "compensation", "written-channel")])
    rows, words = models.sentence_features(reply), [words_of(sentence) for sentence in reply]
    one_by_one = [models.probabilities(row, context) for row, context in zip(rows, sentence_context(reply, rows))]
    assert models.reply_probabilities(rows, words) == [pytest.approx(p, abs=1e-12) for p in one_by_one]


def test_the_same_sentence_reads_harsher_beside_a_curt_reply_than_beside_a_warm_one():
    """The tone model reads context (model.sentence_context): "You signed the contract." answers a complaint
    kindly in a reply that apologises and offers a call, and slams the door in one that says "Not our problem"."""
    warm = ["Hi Sam, I'm so sorry about the mix-up and thank you for telling us.", "You signed the contract.",
            "Please call us on +45 70 20 30 40 and we'll sort it out today."]
    curt = ["Not our problem.", "You signed the contract.", "Read it next time."]
    tone = SentenceModels([load_model("hostile", "en")])
    found = tone.sentence_features(curt)[1]
    in_warm, in_curt = (tone.probabilities(found, sentence_context(reply, sentence_features(reply))[1])[0]
                        for reply in (warm, curt))
    # Context adds to the score, so it multiplies the odds: the curt reply's at least five times the warm one's.
    assert in_curt / (1 - in_curt) > 5 * in_warm / (1 - in_warm)


@pytest.mark.parametrize("language, reply", [
    ("en", ["Hi Sam, you and your partner were right about the router.", "Yours was faulty, sorry!",
            "Pop in to any of our shops and we'll swap it 👍", "Zyxqwv flurbish."]),
    ("da", ["Hej Lone.", "Det er vi kede af, og din pakke er på vej igen i dag.", "Mvh Mette"]),
])
def test_the_checker_scores_each_word_with_its_pieces_as_make_train_counts_them(language, reply):
    """make train counts a word piece once for each different word it is in (' you' in 'you', 'your' and 'yours');
    the checker adds a known word's pieces into its weight once, at load (SentenceModels.aggregated). Each model's
    probability must be the one its plain per-feature weights give, unknown words ('zyxqwv') included."""
    names = ("hostile", "evasive", "compensation", "written-channel")
    scorer = SentenceModels([load_model(name, language) for name in names])
    rows, words = sentence_features(reply), [words_of(sentence) for sentence in reply]
    for row, context, got in zip(rows, sentence_context(reply, rows), scorer.reply_probabilities(
            scorer.sentence_features(reply), words)):
        for name, probability in zip(names, got):
            model = load_model(name, language)
            own = sum(model.weights.get(feature, (0.0,))[0] for feature in row) / math.sqrt(len(row)) if row else 0
            from_context = sum(model.weights.get(feature, (0.0,))[0] for feature in context) / math.sqrt(len(context)) if context else 0
            bias = model.bias[0] if context else model.bias_alone[0]
            assert probability == pytest.approx(1 / (1 + math.exp(-(bias + own + from_context))) if row else 0.0, abs=1e-12)


def test_make_train_counts_a_piece_two_words_share_twice():
    [row] = sentence_features(["You and your dog"])
    vocabulary = {feature: column for column, feature in enumerate(sorted(set(row)))}
    x = matrix([row], vocabulary)
    assert x[0, vocabulary["c: you"]] == pytest.approx(2 * x[0, vocabulary["w:dog"]])


def test_a_sentence_without_context_gets_the_models_bias_for_sentences_alone():
    """make train gives a model that reads context a bias of its own for one-sentence replies, so that they meet the
    threshold chosen for them (quality.train.REAL_FALSE_ALARMS_ALONE) under the rule's one threshold."""
    model = LinearModel("hostile", "en", ("yes",), (0.0,), {"w:a": (1.0,), "o:b": (2.0,)}, bias_alone=(-1.0,))
    scorer = SentenceModels([model])
    assert scorer.read_context
    assert scorer.probabilities(["w:a"]) == [0.5]
    assert scorer.probabilities(["w:a"], ["o:b", "o:c"]) == [pytest.approx(1 / (1 + math.exp(-(1.0 + 2.0 / math.sqrt(2)))))]


def test_a_one_word_sentence_such_as_a_sign_off_or_a_link_is_not_judged_by_the_models():
    """Alone, its word's weight (learnt inside longer sentences) would decide it: "Mvh" read as hostile."""
    for line in ("Phil.", "https://t.co/dxpbd9X6kS.", "^JB", "Mvh", "/Jo"):
        found = sentence_features(["Hi Sam, sorry about that.", line])[1]
        assert found == []
        assert SentenceModels([load_model("hostile", "da")]).probabilities(found) == [0.0]


@pytest.mark.parametrize("language, sentence, cue", [
    ("en", "Wow, what a detailed review, did it take you all day?", "review"),
    ("da", "Måske skulle du have læst manualen først.", "manualen"),
])
def test_a_message_names_the_words_that_weigh_most(language, sentence, cue):
    model = load_model("hostile", language)
    assert cue in sentence and model.cue(sentence) in sentence


@pytest.mark.parametrize("shape_weight, cue", [(4.0, "Enjoy the rest of your day"), (0.5, "rest of your")])
def test_when_a_lines_shape_weighs_more_than_its_words_the_message_quotes_the_whole_line(shape_weight, cue):
    """"...hostile: 'of your'" would blame two harmless words for what the short line as a whole does."""
    model = LinearModel("hostile", "en", ("yes",), (0.0,),
                        {"p:last": (shape_weight,), "w:rest": (0.4,), "w:your": (0.3,), "b:of your": (0.6,)})
    [_, line] = sentence_features(["Thanks, Sam.", "Enjoy the rest of your day."])
    assert model.cue("Enjoy the rest of your day.", line) == cue


@pytest.mark.parametrize("shape_weight, cue", [(4.0, "Half our tickets are that 🙂"), (0.0, "tickets")])
@pytest.mark.parametrize("sign_off", ["^JK", "/PM", "- Anna", "^jk 👋"])
def test_a_message_never_quotes_the_sign_off_that_ends_the_line(shape_weight, cue, sign_off):
    """A Twitter team signs in the same sentence as its last words: "...that 🙂 ^JK" blamed the writer's initials."""
    model = LinearModel("hostile", "en", ("yes",), (0.0,), {
        "p:last": (shape_weight,), "w:tickets": (1.0,), "w:jk": (5.0,), "w:pm": (5.0,), "w:anna": (5.0,)})
    line = f"Half our tickets are that 🙂 {sign_off}"
    found = sentence_features(["Is the TV on mute?", line])[1]
    start, end = Measured(line).without_address_and_signature(0, len(line))  # what the checker marks and quotes from
    assert model.cue(line[start:end], found) == cue


def test_the_playbooks_published_scores_are_the_last_evaluation_of_this_corpus_and_checker():
    """quality/scores.json, which the rule pages show, is what make eval measures now (run make eval to refresh)."""
    tallies, confusion, *_, named = evaluate("test")
    assert scores(tallies, confusion, named) == json.loads((ROOT / "quality" / "scores.json").read_text(encoding="utf-8"))


def test_make_eval_counts_each_kind_of_hostility_caught_or_missed():
    """The recall by kind says which kinds a rule misses: each labelled span with a kind counts once, caught when a
    finding of the rule overlaps it."""
    text = "Wow, what a detailed review. Some of us read the manual. Call me on 70 20 30 40."
    labels = {"hostile": [{"span": "Wow, what a detailed review", "kind": "mockery"},
                          {"span": "Some of us read the manual", "kind": "condescension"}]}
    reply = Reply("en-x-0001", "en", "facebook", "written", text, None, "complaint", labels)
    found = [Finding("kind-tone", "warning", "", 0, 27, None, ())]
    counted = {}
    _count_kinds(counted, "kind-tone", reply, found)
    _count_kinds(counted, "kind-tone", reply, [])
    assert counted == {("kind-tone", "en", "mockery"): [1, 2], ("kind-tone", "en", "condescension"): [0, 2]}


def test_make_eval_counts_how_often_the_message_of_a_caught_dig_names_its_kind():
    """What staff see: of the labelled spans a finding marks, how often its message names a kind, and how often the
    labelled one (gloating is named as mockery); a span no finding marks is not counted, a finding with the rule's
    own message is caught but names none."""
    rule = next(rule for rule in load_rules() if rule.id == "kind-tone")
    messages = rule.check["model"]["kinds"]["message"]
    text = "Good luck finding a better café. Some of us read the manual. You clearly broke it. Call me on 70 20 30 40."
    labels = {"hostile": [{"span": "Good luck finding a better café", "kind": "gloating"},
                          {"span": "Some of us read the manual", "kind": "condescension"},
                          {"span": "You clearly broke it", "kind": "blame"}]}
    reply = Reply("en-x-0001", "en", "facebook", "written", text, None, "complaint", labels)
    found = [Finding("kind-tone", "error", messages["mockery"]["en"].replace("{cue}", "Good luck"), 0, 31, None, (),
                     "mockery"),
             Finding("kind-tone", "error", messages["insult"]["en"].replace("{cue}", "read"), 33, 59, None, (), "insult"),
             Finding("kind-tone", "warning", rule.message["en"], 61, 81, None, ())]
    named = {}
    _count_named(named, "kind-tone", reply, found)
    _count_named(named, "kind-tone", reply, found[:1])
    assert named == {("kind-tone", "en"): [3 + 1, 2 + 1, 1 + 1]}


@pytest.mark.parametrize("language, body, closings", [
    ("da", "Hej Lise. Tak for din besked, og undskyld ventetiden. Ring til os på 70 20 30 40.",
     ["Mvh", "Mvh.", "MVH", "Kh", "Vh", "Hilsen", "Venlig hilsen", "Kærlig hilsen", "Tak"]),
    ("en", "Hi Lisa, thanks for your message and sorry for the wait. Please call us on +45 70 20 30 40.",
     ["Thanks", "Regards", "Kind regards,", "Best", "Cheers,", "Many thanks", "Take care"]),
])
def test_no_model_warns_on_a_polite_reply_signed_on_lines_of_its_own(checker, language, body, closings):
    """Staff on Facebook sign on separate lines ("Mvh" / "Jo"): read alone, "Mvh" scored 0.97 as hostile."""
    model_rules = {"kind-tone", "no-dodging", "no-public-compensation", "call-dont-write"}
    for closing in closings:
        for name in ("Jo", "Mette", "Sam", "Anne-Mette"):
            for ending in (f"\n{closing}\n{name}", f" {closing}.\n{name}", f"\n/{name}", f" ^{name[:2].upper()}"):
                findings = checker.check(body + ending, language).findings
                assert not [f.rule for f in findings if f.rule in model_rules], body + ending


@pytest.mark.parametrize("language, greeting, body, complaint", [
    ("en", "Hi Lone.", "Your bike is booked in for Thursday. Best, Mette",
     "Three weeks and my bike is still not repaired. Nobody answers the phone. Really poor service!"),
    ("en", "Dear Lone,", "The repair needed a part from Germany, which arrived yesterday. Best, Mette",
     "Three weeks and my bike is still not repaired. Nobody answers the phone. Really poor service!"),
    ("en", "Hi Kim.", "Our mechanics are trained every year, and we test-ride every bike. Best, Mette",
     "Lol who even buys bikes there? It's junk all the way round 😂😂"),
    ("da", "Hej Lone.", "Din cykel er booket ind til torsdag. Mvh Mette",
     "Tre uger, og min cykel er stadig ikke repareret. Ingen tager telefonen. Virkelig dårlig service!"),
])
def test_no_model_flags_the_greeting_a_reply_opens_with(checker, language, greeting, body, complaint):
    """Read with the rest of a short factual reply as context, the tone model flagged "Hi Lone." in 7 of 8 such English
    answers to a complaint, and the arguing model a greeting in answer to a troll: a greeting says nothing of a reply's
    tone (model.is_greeting)."""
    reply = f"{greeting} {body}"
    for context in ({"complaint": complaint}, None):
        marked = [reply[f.start:f.end] for f in checker.check(reply, language, context).findings if f.start is not None]
        assert greeting not in marked


@pytest.mark.parametrize("reply", [
    "Were you home when it was delivered?", "Have you tried restarting the router?", "Try logging out and in again.",
    "Enjoy your weekend.", "Good luck with the move!", "That's unfortunate.", "Which colour would you like?",
    "We open again on Monday.", "Try clearing your cache.", "Check your spam folder.",
])
def test_an_everyday_polite_line_sent_alone_gets_no_tone_warning(checker, reply):
    """Twitter teams answer in one line. The written corpus's curt lines are its hostile ones, and a sentence's length
    and its plain full stop had taught the tone model so (sentence_features): each of these warned. The last two warned
    later, as "Try ..." and "Check your ..." open many of the written corpus's digs (corpus en-o and en-r)."""
    assert "kind-tone" not in [f.rule for f in checker.check(reply, "en").findings]


@pytest.mark.parametrize("reply", [
    "Din pakke er afsendt.", "Tjek din indbakke.", "Genstart din telefon.", "Har du prøvet at genstarte routeren?",
    "Prøv en anden browser.", "Måske kan det her hjælpe: www.cykelhuset-demo.dk/hjaelp", "Hvilken butik var det?",
    "Tjek dit spamfilter.", "Log ud og ind igen.", "God weekend!", "Held og lykke med flytningen!",
    "Vi åbner igen på mandag.", "Var du hjemme, da den blev leveret?", "Hvilken farve vil du have?",
    "Det er ærgerligt.", "Prøv at opdatere appen.", "Har du dit ordrenummer?", "Du kan hente den i butikken i morgen.",
    "Tjek venligst din mail.", "Dit kort virker igen nu.", "Genstart din router, og prøv igen.",
    "Har du husket at oprette en profil?", "Send din kvittering med, når du returnerer varen.", "Din ordre er på vej.",
    "Se under Min konto.", "Husk at medbringe dit sygesikringskort.", "Tjek at dit kort ikke er udløbet.",
    "Slet appen og installer den igen.", "Har du fået vores mail?",
])
def test_an_everyday_polite_danish_line_sent_alone_gets_no_tone_warning(checker, reply):
    """Danish has no real replies to hold the one-line threshold to; chosen on the written corpus, where two one-line
    replies in five are hostile, it warned on the first five of these (quality.train.WRITTEN_FALSE_ALARMS_ALONE). Of
    the 30 lines written for this check, one still warns: "Prøv at rydde din cache." (quality/HISTORY.md)."""
    assert "kind-tone" not in [f.rule for f in checker.check(reply, "da").findings]


@pytest.mark.parametrize("reply", [
    "Det må du selv om.", "Måske skulle du have læst manualen først.", "Det er din egen skyld.",
    "Du er den værste kunde, vi nogensinde har haft.", "Held og lykke med at finde en bedre cykelsmed.",
])
def test_a_hostile_danish_line_sent_alone_still_gets_a_tone_warning(checker, reply):
    """The other side of the limit above: the shrug, the blame and the gloating that issue 12 found passing."""
    assert "kind-tone" in [f.rule for f in checker.check(reply, "da").findings]


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_sentence_of_words_no_model_learnt_gets_no_model_finding(checker, language):
    """Such a sentence scores a model's bias alone, and a warning must rest on words the model knows: the Danish tone
    model's bias (0.67) once lay over its threshold (0.65), so any line of unknown words (a product code, a street, a
    name) read as hostile. make train keeps every threshold above it."""
    reply = "Xqzv wpkj zzbt."
    for name in ("hostile", "evasive", "compensation", "written-channel"):
        assert not set(sentence_features([reply])[0]) & set(load_model(name, language).weights)
    model_rules = {"kind-tone", "no-dodging", "no-public-compensation", "call-dont-write"}
    assert not [f.rule for f in checker.check(reply, language).findings if f.rule in model_rules]


@pytest.fixture(scope="module")
def patterns_only(rules):
    return Checker(without_models(rules), load_settings())


@pytest.mark.parametrize("rule, language, reply, words", [
    ("kind-tone", "en", "Hi Dave. Cool story. Anything else?", "Cool story"),
    ("kind-tone", "en", "Sorry, but we're not a charity.", "we're not a charity"),
    ("kind-tone", "en", "Frankly, we're not sure what you expected for £9.", "what you expected for"),
    ("kind-tone", "en", "Please don't come back. Your kind of customer isn't welcome here.", "Your kind of customer"),
    ("kind-tone", "en", "With an attitude like that, it's no wonder the staff didn't rush to help you.",
     "With an attitude like that"),
    ("kind-tone", "en", "Honestly, some customers are impossible to please.", "some customers are impossible to please"),
    ("kind-tone", "da", "Hvad havde du forventet for 79 kr.?", "Hvad havde du forventet"),
    ("kind-tone", "da", "Vi er altså ikke en velgørenhedsorganisation.", "Vi er altså ikke en velgørenhedsorganisation"),
    ("kind-tone", "da", "Med den attitude er det ikke så mærkeligt, at ingen løb dig i møde.",
     "Med den attitude er det ikke så mærkeligt"),
    ("kind-tone", "en", "Not everyone knows how a small business works, so let us explain it slowly.",
     "let us explain it slowly"),
    ("kind-tone", "en", "Keep posting, but you won't be served at any of our shops again.",
     "you won't be served at any of our shops again"),
    ("kind-tone", "en", "For the record, this reviewer turned up with eleven people.", "this reviewer turned up"),
    ("kind-tone", "en", "Please be aware that we know exactly who you are.", "we know exactly who you are"),
    ("kind-tone", "en", "It's always people like you who expect five-star service for £2.", "people like you"),
    ("kind-tone", "da", "Så vi forklarer det gerne langsomt en gang til.", "forklarer det gerne langsomt"),
    ("kind-tone", "da", "Du bliver ikke ekspederet i vores butikker igen.",
     "Du bliver ikke ekspederet i vores butikker igen"),
    ("kind-tone", "da", "For god ordens skyld: Anmelderen mødte op med ni personer.", "Anmelderen mødte op"),
    ("kind-tone", "da", "Det er altid jeres type, der forventer femstjernet service.", "jeres type"),
    ("kind-tone", "en", "Noted 👍", "Noted 👍"),
    ("kind-tone", "en", "Give it a rest, it's one day.", "Give it a rest"),
    ("kind-tone", "da", "Okay. Og hvad så?", "Og hvad så?"),
    ("kind-tone", "da", "Bulen var der, da du afleverede bilen. Vi har billederne.", "Vi har billederne"),
    ("kind-tone", "da", "I er ikke velkomne i baren igen.", "I er ikke velkomne"),
    ("kind-tone", "da", "Siger du det igen, giver vi sagen til vores jurister.", "til vores jurister"),
    ("kind-tone", "en", "You were parked across two bays. We have the photos.", "We have the photos"),
    ("kind-tone", "en", "Your son is no longer welcome at the club.", "Your son is no longer welcome"),
    ("kind-tone", "en", "Which bit of 'subject to a credit check' did you miss?",
     "Which bit of 'subject to a credit check' did you miss"),
    ("kind-tone", "en", "I know reading isn't everyone's strong point.", "reading isn't everyone's strong point"),
    ("kind-tone", "en", "You've opened 4 chargebacks with us since June.", "You've opened 4 chargebacks"),
    ("kind-tone", "en", "With respect Dave, you're not the one who pulls kids out of a rip.", "With respect Dave, you're"),
    ("kind-tone", "da", "Hvilken del af 'efter kreditvurdering' forstod du ikke?",
     "Hvilken del af 'efter kreditvurdering' forstod du ikke"),
    ("kind-tone", "da", "Læsning er vist ikke alles stærke side.", "Læsning er vist ikke alles stærke side"),
    ("no-dodging", "en", "Hi Mia, that's a matter for your bank.", "Hi Mia, that's a matter for your bank."),
    ("no-dodging", "en", "As this is an ongoing matter, we won't be commenting further.",
     "As this is an ongoing matter, we won't be commenting further."),
    ("no-dodging", "en", "We have launched a review and will share the findings in due course.",
     "We have launched a review and will share the findings in due course."),
    ("no-dodging", "en", "We take the safety of our passengers extremely seriously.",
     "We take the safety of our passengers extremely seriously."),
    ("no-dodging", "da", "Det er en sag mellem dig og din bank.", "Det er en sag mellem dig og din bank."),
    ("no-dodging", "da", "Vi kommenterer ikke på en sag, der verserer.", "Vi kommenterer ikke på en sag, der verserer."),
    ("no-public-compensation", "en", "We've cancelled the invoice, so you owe us nothing.",
     "We've cancelled the invoice, so you owe us nothing."),
    ("no-public-compensation", "en", "We'd like to send you a hamper as a thank you.",
     "We'd like to send you a hamper as a thank you."),
    ("no-public-compensation", "da", "Vi sender dig en gavekurv som tak.", "Vi sender dig en gavekurv som tak."),
])
def test_stock_phrases_are_caught_by_the_rules_patterns_alone(patterns_only, rule, language, reply, words):
    """Stock retorts, evasions and amends are the rules' own patterns, not left to a model's guess (a retrained model
    could hide a broken pattern). `words`: what the rule marks, the words or, where it marks sentences, the sentence."""
    found = [reply[f.start:f.end] for f in patterns_only.check(reply, language).findings if f.rule == rule]
    assert words in found


@pytest.mark.parametrize("language, reply", [
    ("en", "Keep going with that attitude, Sam!"),
    ("en", "Nothing makes you happier than a new bike, right? 😄"),
    ("en", "Don't worry, you didn't embarrass yourself at all!"),
    ("da", "Vi ved godt, at det er umuligt at gøre alle tilfredse, men vi prøver."),
    ("da", "Med den indstilling kommer du langt, Sofie!"),
    ("en", "It's people like you who make this job worth doing."),
    ("en", "The reviewer was right about the noise, and we've fixed the door."),
    ("en", "Thanks, noted – we'll fix the sign today."),
    ("en", "You're not welcome to bring your own wine, but corkage is free on Mondays."),
    ("en", "We'd be grateful if you could send us your order number."),
    ("en", "You've returned the parcel, so the refund is on its way."),
    ("en", "With respect, you're right that we should have called you back."),
    ("da", "Med respekt, du har ret i, at vi burde have ringet."),
    ("da", "Vi vil være taknemmelige, hvis du sender os dit ordrenummer."),
    ("da", "Vi har billederne fra afleveringen, og de viser, at cyklen var i orden, så vi ser på det igen."),
])
def test_the_stock_retorts_kind_look_alikes_are_not_blocked(patterns_only, language, reply):
    """A kind-tone pattern blocks the reply, so a stock retort is only matched where it can't be kind."""
    assert "kind-tone" not in [f.rule for f in patterns_only.check(reply, language).findings]


def test_make_train_writes_a_rule_files_threshold_and_confidence_lines_and_stops_without_them():
    """make train writes what it chooses into the rule file's own lines, and stops, naming the field, when a rule file
    doesn't have the line to write it in."""
    from quality.train import CONFIDENCE_LINE, RULES_DIR, THRESHOLD_LINE, _write_per_language

    path = RULES_DIR / "kind-tone.yml"
    made = {path: "check:\n  model:\n    threshold: {da: 0.50, en: 0.50}\n    kinds:\n      confidence: {da: 0.00, en: 0.00}\n"}
    _write_per_language(made, "kind-tone", THRESHOLD_LINE, {"da": 0.581, "en": 0.5}, "check.model.threshold")
    _write_per_language(made, "kind-tone", CONFIDENCE_LINE, {"da": 0.81, "en": 0.84}, "check.model.kinds.confidence")
    assert made[path] == ("check:\n  model:\n    threshold: {da: 0.58, en: 0.50}\n    kinds:\n"
                          "      confidence: {da: 0.81, en: 0.84}\n")
    made[path] = "check:\n  model:\n    threshold: {da: 0.50, en: 0.50}\n"
    with pytest.raises(SystemExit, match="needs check.model.kinds.confidence on one line"):
        _write_per_language(made, "kind-tone", CONFIDENCE_LINE, {"da": 0.81, "en": 0.84}, "check.model.kinds.confidence")
