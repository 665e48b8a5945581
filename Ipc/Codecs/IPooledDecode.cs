namespace GreenProc.Ipc.Internal;

/// <summary>
/// A codec whose value can own a rented array: a large frame is read straight into an array from the shared pool,
/// which the value returns when disposed.
/// </summary>
internal interface IPooledDecode<T>
{
    T FromRented(byte[] array, int length);
}
