// A trivial console app: the floor of any `dotnet` process start (runtime, host, one Console.WriteLine).
System.Console.WriteLine("hello");
