namespace GreenProc.Subprocess;

/// <summary>What a <see cref="Redirect"/> connects a child's standard stream to (internal: users build redirects with
/// <see cref="Redirect"/>'s factories and read them back only for diagnostics, through its ToString).</summary>
internal enum RedirectKind
{
    /// <summary>The child shares this process's stream.</summary>
    Inherit,

    /// <summary>A new pipe; this process gets the other end as a <see cref="GreenStream"/>.</summary>
    Pipe,

    /// <summary>/dev/null.</summary>
    DevNull,

    /// <summary>stderr only: the same file as the child's stdout (2&gt;&amp;1).</summary>
    Stdout,

    /// <summary>A file or descriptor this process already has open (a handle or a stream with one).</summary>
    Handle,

    /// <summary>A file opened by path for the child.</summary>
    File,
}
