import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectBridge } from './api/bridge.ts';
import { BridgeContext } from './api/context.tsx';
import { App } from './App.tsx';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <BridgeContext.Provider value={connectBridge()}>
      <App />
    </BridgeContext.Provider>
  </StrictMode>,
);
