global using Grpc.Core;
global using Orleans;
