from __future__ import annotations

from conversation.llm.kv_cache import ConversationStateCache, common_prefix_length


def test_common_prefix_length_counts_leading_equal_tokens() -> None:
    assert common_prefix_length([1, 2, 3, 4], [1, 2, 9, 4]) == 2
    assert common_prefix_length([1, 2], [1, 2, 3]) == 2
    assert common_prefix_length([], [1]) == 0
    assert common_prefix_length([5], [6]) == 0


def test_saved_state_is_found_by_conversation_with_its_tokens() -> None:
    cache: ConversationStateCache[str] = ConversationStateCache(capacity_bytes=100)
    cache.put("a", [1, 2, 3], "state-a", size_bytes=10)

    entry = cache.get("a")

    assert entry is not None
    assert (entry.tokens, entry.state, entry.size_bytes) == ((1, 2, 3), "state-a", 10)
    assert cache.get("b") is None


def test_saving_again_replaces_the_conversations_state_and_its_bytes() -> None:
    cache: ConversationStateCache[str] = ConversationStateCache(capacity_bytes=100)
    cache.put("a", [1], "old", size_bytes=30)
    cache.put("a", [1, 2], "new", size_bytes=50)

    entry = cache.get("a")
    assert entry is not None and entry.state == "new"
    assert cache.total_bytes == 50
    assert len(cache) == 1


def test_least_recently_used_state_is_evicted_when_bytes_overflow() -> None:
    cache: ConversationStateCache[str] = ConversationStateCache(capacity_bytes=100)
    cache.put("a", [1], "a", size_bytes=40)
    cache.put("b", [2], "b", size_bytes=40)
    cache.get("a")  # a is now more recent than b

    cache.put("c", [3], "c", size_bytes=40)

    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None
    assert cache.total_bytes == 80


def test_several_old_states_are_evicted_to_fit_a_big_one() -> None:
    cache: ConversationStateCache[str] = ConversationStateCache(capacity_bytes=100)
    for name in "abcd":
        cache.put(name, [1], name, size_bytes=25)

    cache.put("big", [1], "big", size_bytes=70)

    assert [name for name in "abcd" if cache.get(name) is not None] == ["d"]
    assert cache.total_bytes == 95


def test_state_larger_than_the_capacity_is_not_kept_and_drops_the_older_one() -> None:
    cache: ConversationStateCache[str] = ConversationStateCache(capacity_bytes=100)
    cache.put("a", [1], "small", size_bytes=10)
    cache.put("b", [2], "other", size_bytes=10)

    cache.put("a", [1, 2], "huge", size_bytes=101)

    assert cache.get("a") is None
    assert cache.get("b") is not None
    assert cache.total_bytes == 10


def test_zero_capacity_keeps_nothing() -> None:
    cache: ConversationStateCache[str] = ConversationStateCache(capacity_bytes=0)
    cache.put("a", [1], "a", size_bytes=1)
    assert cache.get("a") is None
    assert cache.total_bytes == 0


def test_discard_and_clear_forget_states() -> None:
    cache: ConversationStateCache[str] = ConversationStateCache(capacity_bytes=100)
    cache.put("a", [1], "a", size_bytes=10)
    cache.put("b", [1], "b", size_bytes=20)

    cache.discard("a")
    cache.discard("missing")
    assert cache.get("a") is None
    assert cache.total_bytes == 20

    cache.clear()
    assert len(cache) == 0
    assert cache.total_bytes == 0
