package dev.callvault.privacy;

import dev.callvault.testing.TestS3Mock;
import dev.callvault.testing.TwilioStandIn;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.util.List;
import java.util.function.Function;

/**
 * The personal-data lifecycle checked against a model, jqwik's stateful testing: random sequences (shrunk on failure)
 * of call starts (by {@code ?assistant=} and by number), calls ending with their recording's callback now, late or
 * repeated, real-time calls, backfill, {@code verify --fix} and {@code verify --deep --fix} on damaged objects, the
 * clock moving and retention applied, holds placed and removed (on calls and numbers), erasures by a number typed in any
 * form and by call, of live and ended calls, by different people for different reasons, Twilio refusing or hanging on
 * deletions, and erasures killed between any two of their steps. After every step {@link LifecycleWorld#check} holds
 * the real database, every version of every object in a versioned bucket (Adobe S3Mock) and the Twilio stand-in to the
 * lifecycle's promises.
 *
 * <p>CI runs a fixed seed and a bounded number of tries; a longer run: {@code mvn -pl shared test
 * -Dtest=LifecycleModelTest -Dlifecycle.tries=500} (and {@code -Dlifecycle.seed=...} for another seed, or {@code
 * -Dlifecycle.seed=random}).
 */
class LifecycleModelTest {
    private static TestS3Mock s3;
    private static TwilioStandIn twilio;

    @BeforeContainer
    static void start() throws Exception {
        s3 = new TestS3Mock();
        twilio = new TwilioStandIn();
    }

    @AfterContainer
    static void stop() throws Exception {
        twilio.close();
        s3.close();
    }

    /** {@code -Dlifecycle.tries} and {@code -Dlifecycle.seed} set the property's tries and seed for a longer run. */
    static final class FromSystemProperties implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            String tries = System.getProperty("lifecycle.tries");
            if (tries != null) {
                context.attributes().setTries(Integer.parseInt(tries));
            }
            String seed = System.getProperty("lifecycle.seed");
            if (seed != null) {
                context.attributes().setSeed(seed.equals("random") ? "" : seed);
            }
            return property.execute();
        }
    }

    @Property(tries = 12, seed = "20261207")
    @AddLifecycleHook(FromSystemProperties.class)
    void nothingErasedComesBackNothingHeldGoesAndEveryDeletionIsOnItsRecord(@ForAll("lifecycles") ActionChain<LifecycleWorld> chain) {
        try {
            chain.withInvariant("the lifecycle's promises", LifecycleWorld::check)
                    .peek(w -> w.stepDone(chain.transformations())).run();
        } finally {
            chain.finalState().ifPresent(LifecycleWorld::close);
        }
    }

    @Provide
    Arbitrary<ActionChain<LifecycleWorld>> lifecycles() {
        return ActionChain.<LifecycleWorld>startWith(() -> new LifecycleWorld(s3, twilio))
                .withAction(6, startCall())
                .withAction(6, endCall())
                .withAction(3, lateCallback())
                .withAction(2, realtime())
                .withAction(1, Action.just("backfill", Transformer.mutate("backfill", w -> unchecked(w::backfill))))
                .withAction(2, verify())
                .withAction(2, damage())
                .withAction(1, stray())
                .withAction(2, advance())
                .withAction(1, Action.just("retention apply", Transformer.mutate("retention apply", LifecycleWorld::retention)))
                .withAction(2, Action.just("daily timer", Transformer.mutate("the daily timer (retention, unfinished erasures)", LifecycleWorld::dailyTimer)))
                .withAction(3, holdCall())
                .withAction(1, holdNumber())
                .withAction(2, removeHold())
                .withAction(3, eraseNumber())
                .withAction(4, eraseCall())
                .withAction(2, twilioFaults())
                .withMaxTransformations(40);
    }

    private static Action.Independent<LifecycleWorld> startCall() {
        return () -> Combinators.combine(Arbitraries.integers().between(0, LifecycleWorld.CALLERS.length - 1),
                        Arbitraries.of("assistant", "number", "neither"))
                .as((caller, route) -> Transformer.mutate("call from " + LifecycleWorld.CALLERS[caller] + " starts (" + route + ")",
                        w -> w.startCall(caller, route)));
    }

    /**
     * An action on one of the things {@code candidates} names in the world now (a call, a hold, a caller), possible when
     * there is one: {@code step} makes the step of a chosen one.
     */
    private static <T> Action.Dependent<LifecycleWorld> onOneOf(Function<LifecycleWorld, List<T>> candidates,
                                                                Function<Arbitrary<T>, Arbitrary<Transformer<LifecycleWorld>>> step) {
        return new Action.Dependent<>() {
            @Override
            public boolean precondition(LifecycleWorld w) {
                return !candidates.apply(w).isEmpty();
            }

            @Override
            public Arbitrary<Transformer<LifecycleWorld>> transformer(LifecycleWorld w) {
                return step.apply(Arbitraries.of(candidates.apply(w)));
            }
        };
    }

    private static List<LifecycleWorld.Call> calls(LifecycleWorld w) {
        return List.copyOf(w.calls.values());
    }

    private static Action.Dependent<LifecycleWorld> endCall() {
        return onOneOf(LifecycleWorld::liveCalls, calls -> Combinators.combine(calls, Arbitraries.of(true, false))
                .as((c, now) -> Transformer.mutate("call " + c + " ends, its callback " + (now ? "now" : "later"), x -> x.endCall(c, now))));
    }

    private static Action.Dependent<LifecycleWorld> lateCallback() {
        return onOneOf(w -> w.calls.values().stream().filter(c -> !c.recordings.isEmpty()).toList(), calls -> calls.map(c -> Transformer.mutate(
                "callback of call " + c + " (late or again)", x -> x.callback(c, c.recordings.get(c.recordings.size() - 1)))));
    }

    private static Action.Dependent<LifecycleWorld> realtime() {
        return onOneOf(w -> w.liveCalls().stream().filter(c -> !c.realtime).toList(), calls -> calls.map(c -> Transformer.mutate(
                "call " + c + " recorded in real time", x -> unchecked(() -> x.realtime(c)))));
    }

    private static Action.Independent<LifecycleWorld> verify() {
        return () -> Arbitraries.of(false, true).map(deep -> Transformer.mutate("verify " + (deep ? "--deep " : "") + "--fix", w -> w.verifyFix(deep)));
    }

    private static Action.Dependent<LifecycleWorld> damage() {
        return onOneOf(LifecycleModelTest::calls, calls -> calls.map(c -> Transformer.mutate("an object of call " + c
                + " damaged in place, and verify --deep --fix finds it", x -> {
                    x.damage(c);
                    x.verifyFix(true);
                })));
    }

    private static Action.Dependent<LifecycleWorld> stray() {
        return onOneOf(LifecycleModelTest::calls, calls -> calls.map(c -> Transformer.mutate("an object of call " + c
                + " that no row names, and verify --fix sets it aside", x -> {
                    x.stray(c);
                    x.verifyFix(false);
                })));
    }

    private static Action.Independent<LifecycleWorld> advance() {
        return () -> Arbitraries.of(1, 3, 9, 11, 29, 31, 60, 91).map(days -> Transformer.mutate(days + " days go by", w -> w.advance(days)));
    }

    private static Action.Dependent<LifecycleWorld> holdCall() {
        return onOneOf(LifecycleModelTest::calls, calls -> calls.map(c -> Transformer.mutate("hold call " + c, x -> x.holdCall(c))));
    }

    private static Action.Dependent<LifecycleWorld> holdNumber() {
        return onOneOf(LifecycleWorld::callers, callers -> callers.map(i -> Transformer.mutate("hold number " + LifecycleWorld.CALLERS[i],
                x -> x.holdNumber(i))));
    }

    private static Action.Dependent<LifecycleWorld> removeHold() {
        return onOneOf(w -> List.copyOf(w.holds), holds -> holds.map(h -> Transformer.mutate("remove hold " + h.id(), x -> x.removeHold(h))));
    }

    /** How a person types a number: E.164, national with punctuation, digits, a tel: URI. */
    private static String typed(String e164, int form) {
        String n = e164.substring(2);
        return switch (form) {
            case 0 -> e164;
            case 1 -> "+1 (" + n.substring(0, 3) + ") " + n.substring(3, 6) + "-" + n.substring(6);
            case 2 -> n.substring(0, 3) + "-" + n.substring(3, 6) + "-" + n.substring(6);
            case 3 -> n;
            default -> "tel:" + e164;
        };
    }

    /** Where an erasure is killed: 0 not at all, else at its n-th step. */
    private static Arbitrary<Integer> kill() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 8)));
    }

    /** Who asks, and why: the people of the model. */
    private static Arbitrary<Integer> person() {
        return Arbitraries.integers().between(0, LifecycleWorld.PEOPLE.length - 1);
    }

    private static String by(int person, int kill) {
        return " by " + LifecycleWorld.PEOPLE[person][0] + " for " + LifecycleWorld.PEOPLE[person][1] + (kill == 0 ? "" : ", killed at its step " + kill);
    }

    private static Action.Dependent<LifecycleWorld> eraseNumber() {
        return onOneOf(LifecycleWorld::callers, callers -> Combinators.combine(callers, Arbitraries.integers().between(0, 4), person(), kill())
                .as((caller, form, person, kill) -> {
                    String typed = typed(LifecycleWorld.CALLERS[caller], form);
                    return Transformer.mutate("erase number '" + typed + "'" + by(person, kill), x -> x.erase(typed, null, person, kill));
                }));
    }

    private static Action.Dependent<LifecycleWorld> eraseCall() {
        return onOneOf(LifecycleModelTest::calls, calls -> Combinators.combine(calls, person(), kill())
                .as((c, person, kill) -> Transformer.mutate("erase call " + c + (c.live ? " (live)" : "") + by(person, kill),
                        x -> x.erase(null, c.sid, person, kill))));
    }

    private static Action.Independent<LifecycleWorld> twilioFaults() {
        return () -> Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.of(false, true))
                .as((n, hang) -> Transformer.mutate("Twilio " + (hang ? "hangs on" : "refuses") + " the next " + n + " deletions",
                        w -> {
                            if (hang) {
                                w.twilioHangsOnDeletes(n);
                            } else {
                                w.twilioRefusesDeletes(n);
                            }
                        }));
    }

    /** A step that may throw a checked exception (an interrupted thread, a spool that cannot be written). */
    private interface Step {
        void run() throws Exception;
    }

    private static void unchecked(Step step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
