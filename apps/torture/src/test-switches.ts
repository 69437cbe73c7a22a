/**
 * The test-only switch the self-test flips: it makes grace periods end without waiting for readers (in
 * `loop`/`srcu` domains and in `shared` domains), through `@rcu/core/testing`'s `endGracePeriodsEarly`.
 */
export { endGracePeriodsEarly } from "@rcu/core/testing";
