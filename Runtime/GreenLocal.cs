using System;
using System.Collections.Generic;

namespace GreenProc;

/// <summary>
/// A value per greenlet (gevent's <c>local</c>): each greenlet sees its own <see cref="Value"/>. A greenlet spawned
/// by another does not inherit it, and a greenlet's value is released when that greenlet ends.
/// </summary>
/// <typeparam name="T">The value's type.</typeparam>
public sealed class GreenLocal<T>
{
    private readonly Func<T>? _initial;

    /// <summary>Creates a local whose value starts as <c>default</c>, or as <paramref name="initialValue"/>() per greenlet.</summary>
    /// <param name="initialValue">Makes a greenlet's first value, on its first read; null for <c>default</c>.</param>
    public GreenLocal(Func<T>? initialValue = null) => _initial = initialValue;

    /// <summary>The current greenlet's value.</summary>
    /// <exception cref="InvalidOperationException">Not called from a greenlet.</exception>
    public T Value
    {
        get
        {
            Greenlet current = Green.Current;
            Dictionary<object, object?>? locals = current.GetLocals(create: false);
            if (locals is not null && locals.TryGetValue(this, out object? boxed))
            {
                return (T)boxed!;
            }

            if (_initial is null)
            {
                return default!;
            }

            T value = _initial();
            Store(current, value);
            return value;
        }

        set => Store(Green.Current, value);
    }

    /// <summary>Whether the current greenlet has a value (set, or made by the initializer).</summary>
    public bool HasValue => Green.Current.GetLocals(create: false)?.ContainsKey(this) ?? false;

    /// <summary>Forgets the current greenlet's value.</summary>
    /// <returns>Whether there was one.</returns>
    public bool Clear() => Green.Current.GetLocals(create: false)?.Remove(this) ?? false;

    private void Store(Greenlet greenlet, T value)
    {
        Dictionary<object, object?>? locals = greenlet.GetLocals(create: true);
        if (locals is not null)
        {
            locals[this] = value;
        }
    }
}
