// Renderer entry: connect to the services (Electron preload or the web host) and mount the app.
import { mount } from 'svelte';
import { ApiClient } from '../src-shared/api.ts';
import App from './App.svelte';
import { AppState } from './lib/app.svelte.ts';
import { connectBridge } from './lib/bridge.ts';
import './app.css';

const state = new AppState(new ApiClient(connectBridge()));
mount(App, { target: document.getElementById('app')!, props: { app: state } });
void state.init();
