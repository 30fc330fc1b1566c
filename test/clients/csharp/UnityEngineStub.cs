// Compile-only stand-in for the one UnityEngine type the generated classes name when
// UNITY_5_3_OR_NEWER is defined (as it is in every Unity build). Never copy into Unity.
using System;

namespace UnityEngine.Scripting
{
	[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Constructor | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Event | AttributeTargets.Interface | AttributeTargets.Delegate, Inherited = false)]
	public class PreserveAttribute : Attribute { }
}

// The UnityEngine types the C# of clients/unity/README.md uses (compiled by the same test), with
// the signatures of the Unity scripting API and no behaviour.
namespace UnityEngine
{
	public class Object { }
	public class Component : Object { }
	public class Behaviour : Component { }
	public class MonoBehaviour : Behaviour { }

	public class Debug
	{
		public static void Log(object message) { }
		public static void LogWarning(object message) { }
		public static void LogError(object message) { }
	}

	public class PlayerPrefs
	{
		public static void SetString(string key, string value) { }
		public static string GetString(string key) { return null; }
		public static string GetString(string key, string defaultValue) { return defaultValue; }
		public static bool HasKey(string key) { return false; }
		public static void DeleteKey(string key) { }
		public static void Save() { }
	}

	public static class JsonUtility
	{
		public static string ToJson(object obj) { return null; }
		public static T FromJson<T>(string json) { return default(T); }
	}
}
