// Compile-only stand-in for the parts of the Colyseus C# SDK (Unity SDK 0.18,
// Assets/Colyseus/Runtime/Colyseus/Serializer/Schema/) that the generated classes in
// clients/unity/Schema/ and StateContract.cs use. Same namespaces, names and signatures as the
// SDK; no behaviour. It exists so CI can compile the generated code without Unity. Never copy it
// into a Unity project: the real SDK defines these types.
using System;
using System.Collections;
using System.Collections.Generic;

namespace Colyseus.Schema
{
	/// <summary>The field attribute the SDK's decoder reads (Schema.cs, class <c>Type</c>).</summary>
	[AttributeUsage(AttributeTargets.Field)]
	public class Type : Attribute
	{
		public string ChildPrimitiveType;
		public System.Type ChildType;
		public string FieldType;
		public int Index;

		public Type(int index, string type, System.Type childType = null, string childPrimitiveType = null)
		{
			Index = index;
			FieldType = type;
			ChildType = childType;
			ChildPrimitiveType = childPrimitiveType;
		}
	}

	/// <summary>Base class of every generated state class.</summary>
	public class Schema
	{
		public Schema() { }
		public object this[string propertyName] { get { return null; } set { } }
	}

	/// <summary>Decoded ArraySchema: ordered items.</summary>
	public class ArraySchema<T>
	{
		public List<T> items = new List<T>();
		public ArraySchema() { }
		public T this[int index] { get { return items[index]; } set { items[index] = value; } }
		public int Count { get { return items.Count; } }
		public int IndexOf(T value) { return items.IndexOf(value); }
		public void ForEach(Action<int, T> action) { for (int i = 0; i < items.Count; i++) action(i, items[i]); }
		// The SDK also has an untyped overload, so a ForEach lambda needs typed parameters to compile.
		public void ForEach(Action<object, object> action) { for (int i = 0; i < items.Count; i++) action(i, items[i]); }
	}

	/// <summary>Decoded MapSchema: string keys in insertion order.</summary>
	public class MapSchema<T>
	{
		private readonly Dictionary<string, T> items = new Dictionary<string, T>();
		public MapSchema() { }
		public T this[string key] { get { return items[key]; } set { items[key] = value; } }
		public ICollection Keys { get { return items.Keys; } }
		public ICollection Values { get { return items.Values; } }
		public int Count { get { return items.Count; } }
		public bool ContainsKey(object key) { return key is string && items.ContainsKey((string)key); }
		public bool TryGetValue(string key, out T value) { return items.TryGetValue(key, out value); }
		public void ForEach(Action<string, T> action) { foreach (var pair in items) action(pair.Key, pair.Value); }
		public void ForEach(Action<object, object> action) { foreach (var pair in items) action(pair.Key, pair.Value); }
	}
}
