import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setDefaultApi } from '@flattr/widget'; // importing it also defines <flattr-button>
import { App } from './App.js';
import './app.css';

/** The Flattr service: `VITE_FLATTR_API` when the app is built (`npm start`'s local server by default). */
const api = import.meta.env.VITE_FLATTR_API ?? 'http://127.0.0.1:8080';
setDefaultApi(api);

createRoot(document.getElementById('root')!).render(<StrictMode><App api={api} /></StrictMode>);
