// Compile-only stand-in for the client API of the Colyseus C# SDK 0.18 (Unity package
// io.colyseus.sdk 0.18.x, NuGet package Colyseus 0.18.x): Client, Room<T>, the reconnection
// token, the matchmaking exceptions and the state callbacks (Callbacks.Get). Namespaces, names
// and signatures follow the SDK's 0.18 sources (Runtime/Colyseus/Client.cs, Room.cs,
// Utils/Exceptions.cs, Protocol/Protocol.cs, Serializer/Schema/Callbacks/Callbacks.cs); only the
// members a client of this server needs are here, and every body is `throw null`. It exists so
// test/clients/unity.test.ts can compile the C# of clients/unity/README.md: a renamed method or
// a wrong parameter type in the guide then fails the build. Never copy it into a Unity project:
// the real SDK defines these types.
using System;
using System.Collections.Generic;
using System.Linq.Expressions;
using System.Threading.Tasks;

namespace Colyseus
{
	public delegate void NoArgsEventHandler();

	/// <summary>OnLeave / OnDrop: the WebSocket close code.</summary>
	public delegate void CloseWithCodeEventHandler(int code);

	public delegate void ErrorEventHandler(int code, string message);

	public interface IRoom
	{
		event CloseWithCodeEventHandler OnLeave;
		Task Connect();
		Task Leave(bool consented);
	}

	/// <summary>What Client.Reconnect takes back: plain public fields, so JsonUtility can store it.</summary>
	[Serializable]
	public class ReconnectionToken
	{
		public string RoomId;
		public string Token;
	}

	/// <summary>The SDK's automatic reconnection after an unexpected drop.</summary>
	[Serializable]
	public class ReconnectionOptions
	{
		public bool Enabled = true;
		public int MaxRetries = 15;
		public int MinDelay = 100;
		public int MaxDelay = 5000;
		public int MinUptime = 5000;
		public int RetryCount = 0;
		public int Delay = 100;
		public bool IsReconnecting = false;
		public int MaxEnqueuedMessages = 10;
		public List<byte[]> EnqueuedMessages = new List<byte[]>();
		public Func<int, int, int> Backoff;
	}

	/// <summary>The room's socket; only the open flag that Room itself reads is stood in for.</summary>
	public class Connection
	{
		public bool IsOpen;
	}

	public class Room<T> : IRoom where T : Schema.Schema
	{
		public delegate void StateChangeEventHandler(T state, bool isFirstState);

		public Connection Connection;
		public string RoomId;
		public string Name;
		public string SerializerId;
		public string SessionId;
		public ReconnectionToken ReconnectionToken;
		public ReconnectionOptions Reconnection = new ReconnectionOptions();
		public static int DefaultRequestTimeout = 10000;

		public Room(string name) { throw null; }

		public T State { get { throw null; } }

		[Obsolete(".Id is deprecated. Please use .RoomId instead.")]
		public string Id { get { throw null; } }

		public event CloseWithCodeEventHandler OnLeave;
		public event CloseWithCodeEventHandler OnDrop;
		public event NoArgsEventHandler OnReconnect;
		public event ErrorEventHandler OnError;
		public event StateChangeEventHandler OnStateChange;

		public Task Connect() { throw null; }
		public Task Leave(bool consented = true) { throw null; }
		public Task<T> WaitForFirstState() { throw null; }

		public Task Send(byte type) { throw null; }
		public Task Send(byte type, object message) { throw null; }
		public Task Send(string type) { throw null; }
		public Task Send(string type, object message) { throw null; }
		public void Send<TResponse>(string type, object payload, Action<TResponse, Exception> callback) { throw null; }
		public void Send<TResponse>(byte type, object payload, Action<TResponse, Exception> callback) { throw null; }
		public Task SendBytes(byte type, byte[] bytes) { throw null; }
		public Task SendBytes(string type, byte[] bytes) { throw null; }
		public Task<TResponse> Request<TResponse>(string type, object payload = null, int timeoutMs = 0) { throw null; }
		public Task<TResponse> Request<TResponse>(byte type, object payload = null, int timeoutMs = 0) { throw null; }
		public void Ping(Action<int> callback) { throw null; }

		/// <summary>Returns an action that removes the handler.</summary>
		public Action OnMessage<MessageType>(string type, Action<MessageType> handler) { throw null; }
		public Action OnMessage<MessageType>(byte type, Action<MessageType> handler) { throw null; }
	}

	public class Client
	{
		public Client(string endpoint) { throw null; }

		public Task<Room<T>> JoinOrCreate<T>(string roomName, Dictionary<string, object> options = null, Dictionary<string, string> headers = null)
			where T : Schema.Schema { throw null; }

		public Task<Room<T>> Create<T>(string roomName, Dictionary<string, object> options = null, Dictionary<string, string> headers = null)
			where T : Schema.Schema { throw null; }

		public Task<Room<T>> Join<T>(string roomName, Dictionary<string, object> options = null, Dictionary<string, string> headers = null)
			where T : Schema.Schema { throw null; }

		public Task<Room<T>> JoinById<T>(string roomId, Dictionary<string, object> options = null, Dictionary<string, string> headers = null)
			where T : Schema.Schema { throw null; }

		public Task<Room<T>> Reconnect<T>(ReconnectionToken reconnectionToken, Dictionary<string, string> headers = null)
			where T : Schema.Schema { throw null; }
	}

	/// <summary>A join refused once the socket was open: Message is the server's text.</summary>
	public class MatchMakeException : Exception
	{
		public int Code;
		public MatchMakeException(int code, string message) : base(message) { throw null; }
	}

	/// <summary>A matchmaking HTTP request refused: StatusCode is the HTTP status.</summary>
	public class HttpException : Exception
	{
		public int StatusCode;
		public HttpException(int statusCode, string message) : base(message) { throw null; }
	}

	public enum CloseCode
	{
		NORMAL_CLOSURE = 1000,
		GOING_AWAY = 1001,
		NO_STATUS_RECEIVED = 1005,
		ABNORMAL_CLOSURE = 1006,
		CONSENTED = 4000,
		SERVER_SHUTDOWN = 4001,
		WITH_ERROR = 4002,
		FAILED_TO_RECONNECT = 4003,
		MAY_TRY_RECONNECT = 4010,
	}
}

namespace Colyseus.Schema
{
	public delegate void PropertyChangeEventHandler<T>(T currentValue, T previousValue);
	public delegate void OnInstanceChangeEventHandler();
	public delegate void KeyValueEventHandler<K, T>(K key, T value);

	/// <summary>Typed state callbacks; every registration returns an action that removes it.</summary>
	public class StateCallbackStrategy<TState> where TState : Schema
	{
		public Action Listen<TReturn>(Expression<Func<TState, TReturn>> propertyExpression, PropertyChangeEventHandler<TReturn> handler, bool immediate = true) { throw null; }
		public Action Listen<TInstance, TReturn>(TInstance instance, Expression<Func<TInstance, TReturn>> propertyExpression, PropertyChangeEventHandler<TReturn> handler, bool immediate = true)
			where TInstance : Schema { throw null; }

		public Action OnChange<T>(T instance, OnInstanceChangeEventHandler handler) where T : Schema { throw null; }

		public Action OnAdd<TReturn>(Expression<Func<TState, ArraySchema<TReturn>>> propertyExpression, KeyValueEventHandler<int, TReturn> handler, bool immediate = true) { throw null; }
		public Action OnAdd<TInstance, TReturn>(TInstance instance, Expression<Func<TInstance, ArraySchema<TReturn>>> propertyExpression, KeyValueEventHandler<int, TReturn> handler, bool immediate = true)
			where TInstance : Schema { throw null; }
		public Action OnAdd<TReturn>(Expression<Func<TState, MapSchema<TReturn>>> propertyExpression, KeyValueEventHandler<string, TReturn> handler, bool immediate = true) { throw null; }
		public Action OnAdd<TInstance, TReturn>(TInstance instance, Expression<Func<TInstance, MapSchema<TReturn>>> propertyExpression, KeyValueEventHandler<string, TReturn> handler, bool immediate = true)
			where TInstance : Schema { throw null; }

		public Action OnChange<TReturn>(Expression<Func<TState, ArraySchema<TReturn>>> propertyExpression, KeyValueEventHandler<int, TReturn> handler) { throw null; }
		public Action OnChange<TInstance, TReturn>(TInstance instance, Expression<Func<TInstance, ArraySchema<TReturn>>> propertyExpression, KeyValueEventHandler<int, TReturn> handler)
			where TInstance : Schema { throw null; }
		public Action OnChange<TReturn>(Expression<Func<TState, MapSchema<TReturn>>> propertyExpression, KeyValueEventHandler<string, TReturn> handler) { throw null; }
		public Action OnChange<TInstance, TReturn>(TInstance instance, Expression<Func<TInstance, MapSchema<TReturn>>> propertyExpression, KeyValueEventHandler<string, TReturn> handler)
			where TInstance : Schema { throw null; }

		public Action OnRemove<TReturn>(Expression<Func<TState, ArraySchema<TReturn>>> propertyExpression, KeyValueEventHandler<int, TReturn> handler) { throw null; }
		public Action OnRemove<TInstance, TReturn>(TInstance instance, Expression<Func<TInstance, ArraySchema<TReturn>>> propertyExpression, KeyValueEventHandler<int, TReturn> handler)
			where TInstance : Schema { throw null; }
		public Action OnRemove<TReturn>(Expression<Func<TState, MapSchema<TReturn>>> propertyExpression, KeyValueEventHandler<string, TReturn> handler) { throw null; }
		public Action OnRemove<TInstance, TReturn>(TInstance instance, Expression<Func<TInstance, MapSchema<TReturn>>> propertyExpression, KeyValueEventHandler<string, TReturn> handler)
			where TInstance : Schema { throw null; }
	}

	public class Callbacks
	{
		public static StateCallbackStrategy<T> Get<T>(Room<T> room) where T : Schema { throw null; }
	}
}
